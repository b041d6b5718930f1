//! Webhooks, ION style: receivers (an integration's endpoints, with a shared secret and
//! static headers), subscriptions (a `ResourceEnum` table × a `CREATE`/`UPDATE`/`DELETE`
//! action, pointing at a receiver) and events (the audit trail of deliveries, read through
//! `webhookEvents`). Receivers, headers, subscriptions and events are ordinary store tables,
//! so the generic `createX`/`updateX`/`deleteX` mutations and connections serve them; this
//! module adds what differs from the generic shape and the delivery itself.
//!
//! ION fires webhooks from committed database changes, whoever made them. The double does
//! the same from the store's journal ([`super::store::Change`]): after every locked write
//! (a `/graphql` request, a drift) [`Webhooks::after_writes`] drains the journal and, for each
//! change of a table that maps to a `ResourceEnum` value ([`RESOURCES`]), finds the active
//! subscriptions for (resource, action) whose receiver is active, records one `WebhookEvent`
//! per subscription (status `SENDING`) and hands its delivery to [`delivery`], which runs
//! in the background so the mutation's response never waits on a receiver. Writes to the
//! webhook tables themselves never fire (their rows hold shared secrets).
//!
//! The event body is JSON, `{"event_id", "subscription_id", "resource", "action", "id",
//! "old", "new"}`: the `WebhookEvent` id (the same on every redelivery, so a receiver can
//! drop duplicates), the subscription, its resource and action, the changed row's id, and
//! the row before (`null` on create) and after (`null` on delete), as `x(id:)` reads it.
//! Deliveries of different events run concurrently, so a receiver may see them out of
//! order (ION promises no order either); `event_id`s grow with the changes.

pub(crate) mod delivery;

use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};

use super::model::as_id;
use super::mutex::lock;
use super::store::{Change, Row, Store, check_etag};
use crate::secret::Secret;
pub use delivery::WebhookRetry;
use delivery::{Deliverer, Delivery};

/// The double's tables and the `ResourceEnum` values (ION's table names) that name them.
pub(crate) const RESOURCES: [(&str, &str); 10] = [
    ("Organization", "ORGANIZATIONS"),
    ("User", "USERS"),
    ("Location", "LOCATIONS"),
    ("Part", "PARTS"),
    ("PartInventory", "PARTS_INVENTORY"),
    ("Procedure", "PROCEDURES"),
    ("Step", "STEPS"),
    ("Run", "RUNS"),
    ("RunStep", "RUN_STEPS"),
    ("ABomItem", "ABOM_ITEMS"),
];

const RECEIVER: &str = "WebhookReceiver";
const HEADER: &str = "WebhookHeader";
const SUBSCRIPTION: &str = "WebhookSubscription";
pub(crate) const EVENT: &str = "WebhookEvent";

/// The `ResourceEnum` value of a table, if it has one.
pub(crate) fn resource(type_name: &str) -> Option<&'static str> {
    RESOURCES
        .iter()
        .find(|(table, _)| *table == type_name)
        .map(|(_, resource)| *resource)
}

/// One environment's webhook machinery: who sends, and how often it retries.
#[derive(Debug, Default)]
pub(crate) struct Webhooks {
    deliverer: Deliverer,
}

impl Webhooks {
    /// Sets how deliveries are retried from now on.
    pub(crate) fn set_retry(&self, retry: WebhookRetry) {
        self.deliverer.set_retry(retry);
    }

    /// Drains the store's journal and starts a delivery for every subscribed change. Call
    /// it, under the lock, after every write to `store` (the `Arc` is the same store).
    pub(crate) fn after_writes(&self, shared: &Arc<Mutex<Store>>, store: &mut Store) {
        let changes = store.take_changes();
        let mut deliveries = Vec::new();
        for change in &changes {
            deliveries.extend(plan(store, change));
        }
        // The journal now holds only the new WebhookEvent rows, which fire nothing.
        store.take_changes();
        for delivery in deliveries {
            self.deliverer.spawn(Arc::clone(shared), delivery);
        }
    }
}

/// Records a `WebhookEvent` per active subscription to `change` and returns their deliveries.
fn plan(store: &mut Store, change: &Change) -> Vec<Delivery> {
    let Some(resource) = resource(&change.type_name) else {
        return Vec::new();
    };
    let action = change.action.as_str();
    let subscriptions: Vec<(i64, Row)> = store
        .rows(SUBSCRIPTION)
        .filter(|s| s.get("active") == Some(&Value::Bool(true)))
        .filter(|s| s.get("resource").and_then(Value::as_str) == Some(resource))
        .filter(|s| s.get("action").and_then(Value::as_str) == Some(action))
        .filter_map(|s| {
            let id = s.get("id").and_then(Value::as_i64)?;
            let receiver = store.get(RECEIVER, s.get("receiverId").and_then(as_id)?)?;
            let inactive = receiver.get("active") == Some(&Value::Bool(false));
            (!inactive).then(|| (id, receiver.clone()))
        })
        .collect();
    let mut deliveries = Vec::new();
    for (subscription_id, receiver) in subscriptions {
        let mut columns = Map::new();
        columns.insert("subscriptionId".into(), subscription_id.into());
        columns.insert("status".into(), "SENDING".into());
        columns.insert("numberOfRetries".into(), 0.into());
        let event = store.insert(EVENT, columns);
        let Some(event_id) = event.get("id").and_then(Value::as_i64) else {
            continue;
        };
        let body = json!({
            "event_id": event_id,
            "subscription_id": subscription_id,
            "resource": resource,
            "action": action,
            "id": change.id,
            "old": change.old.clone().map_or(Value::Null, Value::Object),
            "new": change.new.clone().map_or(Value::Null, Value::Object),
        })
        .to_string();
        let mut request_data = Map::new();
        request_data.insert("requestData".into(), body.clone().into());
        store.update(EVENT, event_id, request_data);
        deliveries.push(Delivery {
            event_id,
            url: str_column(&receiver, "webhookUri"),
            body: body.into_bytes(),
            secret: Secret::new(str_column(&receiver, "sharedSecret")),
            headers: static_headers(store, &receiver),
            expected: receiver
                .get("expectedResponseCode")
                .and_then(Value::as_u64)
                .and_then(|code| u16::try_from(code).ok())
                .unwrap_or(200),
        });
    }
    deliveries
}

fn str_column(row: &Row, column: &str) -> String {
    row.get(column)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The receiver's static headers, `(key, value)`, in the order they were added.
fn static_headers(store: &Store, receiver: &Row) -> Vec<(String, String)> {
    header_ids(receiver)
        .into_iter()
        .filter_map(|id| store.get(HEADER, id))
        .map(|header| (str_column(header, "key"), str_column(header, "value")))
        .collect()
}

/// The ids in a receiver's `headers` column (where `addHeaderToWebhookReceiver` keeps them).
fn header_ids(receiver: &Row) -> Vec<i64> {
    match receiver.get("headers") {
        Some(Value::Array(ids)) => ids.iter().filter_map(as_id).collect(),
        _ => Vec::new(),
    }
}

/// Columns a create fills in that no seed default can: a receiver created without a
/// `sharedSecret` gets a random one (32 hex digits), as ION's column is non-null.
pub(crate) fn fill_in_create(entity: &str, columns: &mut Row) {
    if entity == RECEIVER && columns.get("sharedSecret").is_none_or(Value::is_null) {
        let secret: String = (0..32)
            .map(|_| char::from_digit(fastrand::u32(0..16), 16).unwrap_or('0'))
            .collect();
        columns.insert("sharedSecret".into(), secret.into());
    }
}

/// `addHeaderToWebhookReceiver` and `removeHeaderFromWebhookReceiver(input: {etag,
/// webhookReceiverId, webhookHeaderId})`: `None` for any other mutation. The etag is the
/// receiver's; the answer is `{webhookReceiver}` with a fresh etag.
pub(crate) fn header_mutation(
    store: &mut Store,
    name: &str,
    args: &Map<String, Value>,
) -> Option<Result<Value, String>> {
    let adding = match name {
        "addHeaderToWebhookReceiver" => true,
        "removeHeaderFromWebhookReceiver" => false,
        _ => return None,
    };
    Some(attach(store, adding, args))
}

fn attach(store: &mut Store, adding: bool, args: &Map<String, Value>) -> Result<Value, String> {
    let input = args
        .get("input")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            "give `input: {etag, webhookReceiverId, webhookHeaderId}`; the etag is the receiver's"
                .to_owned()
        })?;
    let id_of = |key: &str, entity: &str| {
        input
            .get(key)
            .and_then(as_id)
            .ok_or_else(|| format!("give `{key}`, the id of the {entity}"))
    };
    let receiver_id = id_of("webhookReceiverId", RECEIVER)?;
    let header_id = id_of("webhookHeaderId", HEADER)?;
    check_etag(store, RECEIVER, receiver_id, input.get("etag"))?;
    if store.get(HEADER, header_id).is_none() {
        return Err(format!("{HEADER} matching id {header_id} does not exist"));
    }
    let receiver = store
        .get(RECEIVER, receiver_id)
        .cloned()
        .unwrap_or_default();
    let mut ids = header_ids(&receiver);
    ids.retain(|id| *id != header_id);
    if adding {
        ids.push(header_id);
    }
    let mut columns = Map::new();
    columns.insert("headers".into(), ids.into());
    let row = store
        .update(RECEIVER, receiver_id, columns)
        .ok_or_else(|| format!("{RECEIVER} matching id {receiver_id} does not exist"))?;
    Ok(json!({ "webhookReceiver": row }))
}

/// Sets columns of the event row `event_id` whose `requestData` is `body`: after a reset the
/// row is gone, or the id belongs to another event, and nothing is written.
pub(crate) fn record(shared: &Mutex<Store>, event_id: i64, body: &[u8], columns: Row) {
    let mut store = lock(shared);
    let same_event = store
        .get(EVENT, event_id)
        .and_then(|row| row.get("requestData"))
        .and_then(Value::as_str)
        .is_some_and(|data| data.as_bytes() == body);
    if same_event {
        store.update(EVENT, event_id, columns);
    }
    // Event rows fire nothing; keep the journal empty for the next writer.
    store.take_changes();
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn row(value: Value) -> Row {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn tables_map_to_ions_resource_names() {
        assert_eq!(resource("Part"), Some("PARTS"));
        assert_eq!(resource("PartInventory"), Some("PARTS_INVENTORY"));
        assert_eq!(resource(EVENT), None, "deliveries never fire deliveries");
        assert_eq!(resource(RECEIVER), None, "receivers hold shared secrets");
    }

    #[test]
    fn an_outcome_is_recorded_only_on_its_own_event() {
        let mut store = Store::new(1, BTreeMap::new());
        store.add_table(EVENT);
        store.insert(
            EVENT,
            row(json!({"status": "SENDING", "requestData": "{\"a\":1}"})),
        );
        let shared = Mutex::new(store);
        // After a reset, id 1 may be another event: its body differs, so nothing changes.
        record(&shared, 1, b"{\"b\":2}", row(json!({"status": "FAILED"})));
        assert_eq!(lock(&shared).get(EVENT, 1).unwrap()["status"], "SENDING");
        record(
            &shared,
            1,
            b"{\"a\":1}",
            row(json!({"status": "SUCCEEDED"})),
        );
        assert_eq!(lock(&shared).get(EVENT, 1).unwrap()["status"], "SUCCEEDED");
        record(&shared, 9, b"{\"a\":1}", row(json!({"status": "FAILED"})));
        assert!(lock(&shared).get(EVENT, 9).is_none());
        assert!(
            lock(&shared).take_changes().is_empty(),
            "the journal is drained"
        );
    }

    #[test]
    fn receivers_without_a_secret_get_a_random_one() {
        let mut columns = Row::new();
        fill_in_create(RECEIVER, &mut columns);
        let secret = columns["sharedSecret"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(secret.len(), 32);
        assert!(secret.chars().all(|c| c.is_ascii_hexdigit()));
        let mut given = row(json!({"sharedSecret": "mine"}));
        fill_in_create(RECEIVER, &mut given);
        assert_eq!(given["sharedSecret"], "mine");
        let mut part = Row::new();
        fill_in_create("Part", &mut part);
        assert!(part.is_empty());
    }
}
