//! What the webhook tests share: a double with fast retries, a GraphQL helper, receiver
//! and subscription registration through GraphQL, waiting for the audit trail to settle,
//! and an independent check of `x-ion-signature`.

use std::time::Duration;

use hmac::{Hmac, Mac};
use ion_contract::client::{DoubleClients, GraphqlClient, GraphqlRequest};
use ion_contract::double::{IonDouble, WebhookRetry};
use serde_json::{Map, Value, json};
use sha2::Sha256;
use wiremock::{MockServer, Request};

use super::common;

pub const SECRET: &str = "whsec-test-0123456789";

/// Fast retries, so the redelivery tests take milliseconds.
pub const FAST: WebhookRetry = WebhookRetry {
    attempts: 3,
    base_delay: Duration::from_millis(10),
    max_delay: Duration::from_millis(40),
};

/// A fresh double with [`FAST`] retries, and a client with the demo key.
pub async fn start() -> (IonDouble, GraphqlClient) {
    let double = IonDouble::start(common::double_data()).await;
    double.set_webhook_retry(FAST);
    let client = double.demo_client(&reqwest::Client::new());
    (double, client)
}

/// Runs one operation and returns its `data`, failing on GraphQL errors.
pub async fn run(client: &GraphqlClient, query: &str, variables: Value) -> Value {
    let variables: Map<String, Value> = variables.as_object().cloned().unwrap_or_default();
    let response = client
        .send(GraphqlRequest {
            query,
            operation_name: None,
            variables: &variables,
            idempotent: false,
            retry: false,
        })
        .await
        .expect("the double answers");
    let body: Value = serde_json::from_slice(&response.body).expect("a JSON body");
    assert!(body.get("errors").is_none(), "{query}\n{body}");
    body["data"].clone()
}

/// Registers a receiver for `sink` and subscribes it to (`resource`, `action`).
pub async fn subscribe(
    client: &GraphqlClient,
    sink: &MockServer,
    resource: &str,
    action: &str,
) -> i64 {
    let receiver = run(
        client,
        "mutation($input: CreateWebhookReceiverInput!) { createWebhookReceiver(input: $input) \
         { webhookReceiver { id expectedResponseCode active } } }",
        json!({"input": {"name": "ERP sink", "webhookUri": format!("{}/hooks/ion", sink.uri()),
                         "sharedSecret": SECRET}}),
    )
    .await;
    let receiver = &receiver["createWebhookReceiver"]["webhookReceiver"];
    assert_eq!(receiver["expectedResponseCode"], 200, "ION's default");
    assert_eq!(receiver["active"], true);
    let subscription = subscription(client, &receiver["id"], resource, action).await;
    assert_eq!(subscription["receiver"]["id"], receiver["id"]);
    subscription["id"].as_i64().expect("a subscription id")
}

pub async fn create_part(client: &GraphqlClient, part_number: &str) -> i64 {
    let data = run(
        client,
        "mutation($input: CreatePartInput!) { createPart(input: $input) { part { id } } }",
        json!({"input": {"partNumber": part_number, "description": "Webhook probe"}}),
    )
    .await;
    data["createPart"]["part"]["id"]
        .as_i64()
        .expect("a part id")
}

/// The webhook events, once none is SENDING or RETRYING any more (or a timeout).
pub async fn settled_events(client: &GraphqlClient) -> Vec<Value> {
    let query = "{ webhookEvents(sort: [ID_ASC]) { edges { node { id subscriptionId status \
                 numberOfRetries responseStatusCode requestData responseReceivedAt } } } }";
    let wait = async {
        loop {
            let data = run(client, query, json!({})).await;
            let events: Vec<Value> = data["webhookEvents"]["edges"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|edge| edge["node"].clone())
                .collect();
            let done = events
                .iter()
                .all(|e| e["status"] == "SUCCEEDED" || e["status"] == "FAILED");
            if !events.is_empty() && done {
                return events;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("the webhook events settle within 10 s")
}

pub fn signature(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn assert_signed(request: &Request) {
    let header = request
        .headers
        .get("x-ion-signature")
        .and_then(|h| h.to_str().ok());
    assert_eq!(header, Some(signature(&request.body).as_str()));
    assert_eq!(
        request
            .headers
            .get("content-type")
            .and_then(|h| h.to_str().ok()),
        Some("application/json")
    );
}

/// A receiver for `sink` (its path `/hooks/ion`): `(id, etag)`.
pub async fn receiver(client: &GraphqlClient, sink: &MockServer) -> (Value, Value) {
    let data = run(
        client,
        "mutation($input: CreateWebhookReceiverInput!) { createWebhookReceiver(input: $input) \
         { webhookReceiver { id _etag } } }",
        json!({"input": {"name": "sink", "webhookUri": format!("{}/hooks/ion", sink.uri()),
                         "sharedSecret": SECRET}}),
    )
    .await;
    let created = &data["createWebhookReceiver"]["webhookReceiver"];
    (created["id"].clone(), created["_etag"].clone())
}

/// Subscribes receiver `receiver_id` to (`resource`, `action`); the subscription's fields.
pub async fn subscription(
    client: &GraphqlClient,
    receiver_id: &Value,
    resource: &str,
    action: &str,
) -> Value {
    let data = run(
        client,
        "mutation($input: CreateWebhookSubscriptionInput!) { createWebhookSubscription(input: $input) \
         { webhookSubscription { id resource action active receiver { id } } } }",
        json!({"input": {"resource": resource, "action": action,
                         "receiverId": receiver_id.to_string()}}),
    )
    .await;
    data["createWebhookSubscription"]["webhookSubscription"].clone()
}

/// Creates the static header `key: value` and adds it to receiver `receiver_id` (at `etag`);
/// the receiver's new etag.
pub async fn add_header(
    client: &GraphqlClient,
    receiver_id: &Value,
    etag: &Value,
    key: &str,
    value: &str,
) -> Value {
    let data = run(
        client,
        "mutation($input: CreateWebhookHeaderInput!) { createWebhookHeader(input: $input) \
         { webhookHeader { id } } }",
        json!({"input": {"key": key, "value": value}}),
    )
    .await;
    let header_id = &data["createWebhookHeader"]["webhookHeader"]["id"];
    let data = run(
        client,
        "mutation($input: WebhookReceiverHeaderInput) { addHeaderToWebhookReceiver(input: \
         $input) { webhookReceiver { _etag } } }",
        json!({"input": {"etag": etag, "webhookReceiverId": receiver_id,
                         "webhookHeaderId": header_id}}),
    )
    .await;
    data["addHeaderToWebhookReceiver"]["webhookReceiver"]["_etag"].clone()
}
