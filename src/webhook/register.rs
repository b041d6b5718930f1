//! A case's webhook receiver on the target: registered before the case's first step,
//! removed after its last, through ION's own mutations.
//!
//! The receiver is named `ion-contract <run id> <suite>::<case>`, points at the sink (or the
//! target's `webhook_uri`), has a fresh random shared secret and the static header
//! `X-Test-Run: <run id>`, so a downstream system can tell test traffic apart. One
//! subscription per (resource, action) the case expects points at it.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::id_text as text;
use crate::client::GraphqlClient;
use crate::secret::Secret;

/// The static header every receiver the harness registers carries, with the run id.
pub const TEST_RUN_HEADER: &str = "X-Test-Run";

const CREATE_RECEIVER: &str = "mutation IonContractCreateReceiver($input: \
     CreateWebhookReceiverInput!) { createWebhookReceiver(input: $input) { webhookReceiver { id \
     _etag } } }";
const CREATE_HEADER: &str = "mutation IonContractCreateHeader($input: CreateWebhookHeaderInput!) \
     { createWebhookHeader(input: $input) { webhookHeader { id _etag } } }";
const ADD_HEADER: &str = "mutation IonContractAddHeader($input: WebhookReceiverHeaderInput) { \
     addHeaderToWebhookReceiver(input: $input) { webhookReceiver { id _etag } } }";
const CREATE_SUBSCRIPTION: &str = "mutation IonContractCreateSubscription($input: \
     CreateWebhookSubscriptionInput!) { createWebhookSubscription(input: $input) { \
     webhookSubscription { id _etag } } }";
const EVENTS: &str = "query IonContractEvents($filters: WebhookEventsInputFilters) { \
     webhookEvents(filters: $filters, first: 100) { edges { node { id status numberOfRetries \
     responseStatusCode requestData } } } }";
const DELETE_SUBSCRIPTION: &str = "mutation IonContractDeleteSubscription($etag: String!, $id: \
     ID!) { deleteWebhookSubscription(etag: $etag, id: $id) { id } }";
const DELETE_RECEIVER: &str = "mutation IonContractDeleteReceiver($etag: String!, $id: ID!) { \
     deleteWebhookReceiver(etag: $etag, id: $id) { id } }";
const DELETE_HEADER: &str = "mutation IonContractDeleteHeader($etag: String!, $id: ID!) { \
     deleteWebhookHeader(etag: $etag, id: $id) { id } }";

/// Every operation the harness sends for webhooks, for a test that they validate.
pub const OPERATIONS: [&str; 8] = [
    CREATE_RECEIVER,
    CREATE_HEADER,
    ADD_HEADER,
    CREATE_SUBSCRIPTION,
    EVENTS,
    DELETE_SUBSCRIPTION,
    DELETE_RECEIVER,
    DELETE_HEADER,
];

/// A row the harness created: its id and current etag.
#[derive(Debug, Clone)]
struct Row {
    id: Value,
    etag: Value,
}

/// One event as `webhookEvents` shows it.
#[derive(Debug, Clone)]
pub struct EventRecord {
    /// The event's id (`event_id` in deliveries), as text.
    pub id: String,
    /// `SENDING`, `RETRYING`, `SUCCEEDED` or `FAILED`.
    pub status: String,
    /// The delivery's body, parsed, when it is JSON.
    pub request: Option<Value>,
    /// `responseStatusCode`, when there was an answer.
    pub response_status: Option<u16>,
}

/// The receiver, its header and subscriptions the harness registered for one case.
#[derive(Debug)]
pub struct Registration {
    receiver: Row,
    header: Row,
    subscriptions: BTreeMap<(String, String), Row>,
    secret: Secret,
}

impl Registration {
    /// Registers a receiver at `uri` with `secret`, tagged with `run_id`, subscribed to each
    /// of `topics` (resource, action).
    pub async fn create(
        client: &GraphqlClient,
        name: &str,
        uri: &str,
        run_id: &str,
        secret: Secret,
        topics: &[(String, String)],
    ) -> Result<Registration, String> {
        let scrub = |e: String| crate::scrub::text(&e);
        let input = json!({"input": {
            "name": name,
            "description": "registered by ion-contract for one test case; removed after it",
            "webhookUri": uri,
            "sharedSecret": secret.expose(),
            "contentType": "JSON",
            "expectedResponseCode": 200,
            "active": true,
        }});
        let data = call(client, CREATE_RECEIVER, input, false)
            .await
            .map_err(scrub)?;
        let receiver = row(&data, "createWebhookReceiver", "webhookReceiver")?;
        let input = json!({"input": {"key": TEST_RUN_HEADER, "value": run_id}});
        let data = call(client, CREATE_HEADER, input, false).await?;
        let header = row(&data, "createWebhookHeader", "webhookHeader")?;
        let mut registration = Registration {
            receiver,
            header,
            subscriptions: BTreeMap::new(),
            secret,
        };
        let added = async {
            let input = json!({"input": {
                "etag": registration.receiver.etag,
                "webhookReceiverId": registration.receiver.id,
                "webhookHeaderId": registration.header.id,
            }});
            let data = call(client, ADD_HEADER, input, false).await?;
            registration.receiver = row(&data, "addHeaderToWebhookReceiver", "webhookReceiver")?;
            for (resource, action) in topics {
                let input = json!({"input": {
                    "resource": resource,
                    "action": action,
                    "receiverId": registration.receiver.id,
                    "active": true,
                }});
                let data = call(client, CREATE_SUBSCRIPTION, input, false).await?;
                let subscription = row(&data, "createWebhookSubscription", "webhookSubscription")?;
                registration
                    .subscriptions
                    .insert((resource.clone(), action.clone()), subscription);
            }
            Ok::<(), String>(())
        }
        .await;
        match added {
            Ok(()) => Ok(registration),
            Err(e) => {
                // Leave nothing behind on the target.
                let _ = registration.remove(client).await;
                Err(e)
            }
        }
    }

    /// The receiver's shared secret.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The id of the subscription to (resource, action), as text.
    pub fn subscription_id(&self, resource: &str, action: &str) -> Option<String> {
        let row = self
            .subscriptions
            .get(&(resource.to_owned(), action.to_owned()))?;
        Some(text(&row.id))
    }

    /// The events of a subscription, as `webhookEvents` lists them now.
    pub async fn events(
        &self,
        client: &GraphqlClient,
        subscription_id: &str,
    ) -> Result<Vec<EventRecord>, String> {
        let filters = json!({"filters": {"subscriptionId": {"eq": subscription_id}}});
        let data = call(client, EVENTS, filters, true).await?;
        let edges = data["webhookEvents"]["edges"].as_array().cloned();
        Ok(edges
            .unwrap_or_default()
            .iter()
            .map(|edge| &edge["node"])
            .filter(|node| !node["id"].is_null())
            .map(|node| EventRecord {
                id: text(&node["id"]),
                status: node["status"].as_str().unwrap_or_default().to_owned(),
                request: node["requestData"]
                    .as_str()
                    .and_then(|data| serde_json::from_str(data).ok()),
                response_status: node["responseStatusCode"]
                    .as_u64()
                    .and_then(|s| u16::try_from(s).ok()),
            })
            .collect())
    }

    /// Deletes the subscriptions, the receiver and the header; the first error, if any,
    /// after trying them all.
    pub async fn remove(&self, client: &GraphqlClient) -> Result<(), String> {
        let mut first_error = None;
        let rows = self
            .subscriptions
            .values()
            .map(|row| (DELETE_SUBSCRIPTION, row))
            .chain([
                (DELETE_RECEIVER, &self.receiver),
                (DELETE_HEADER, &self.header),
            ]);
        for (mutation, row) in rows {
            let variables = json!({"etag": row.etag, "id": row.id});
            if let Err(e) = call(client, mutation, variables, false).await {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// The `{id, _etag}` row under `data.<field>.<entity>`.
fn row(data: &Value, field: &str, entity: &str) -> Result<Row, String> {
    let node = &data[field][entity];
    if node["id"].is_null() {
        return Err(format!("{field} answered without a {entity} id"));
    }
    Ok(Row {
        id: node["id"].clone(),
        etag: node["_etag"].clone(),
    })
}

/// Sends one of the harness's own operations; its `data`, or what went wrong.
async fn call(
    client: &GraphqlClient,
    query: &str,
    variables: Value,
    idempotent: bool,
) -> Result<Value, String> {
    let variables: Map<String, Value> = match variables {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let operation = query.split(['(', ' ']).nth(1).unwrap_or("operation");
    let data = client.data(query, &variables, idempotent).await;
    data.map_err(|e| format!("{operation}: {e}"))
}
