//! Scripted data drift: `POST /__double/drift` changes or removes a row behind the API's
//! back, as a sandbox reset or another user would, so `ion-contract drift` can be tested.
//!
//! The body is one of
//!
//! - `{"delete": {"type": "Part", "id": 14}}`: the row is gone;
//! - `{"set": {"type": "Part", "id": 14, "fields": {"description": "changed"}}}`: its fields
//!   change (and its etag, as any write's).
//!
//! The answer is `{"deleted": {...row}}` or `{"set": {...row}}`; an unknown type, id or
//! field, or a malformed body, gets 400 saying which.

use serde_json::{Map, Value, json};

use super::store::Store;

/// Applies one scripted change to `store`.
pub(crate) fn apply(store: &mut Store, body: &[u8]) -> Result<Value, String> {
    let body: Value = serde_json::from_slice(body)
        .map_err(|e| format!("the drift body is not JSON: {e}; send {{\"delete\": {{\"type\": \"Part\", \"id\": 14}}}} or {{\"set\": {{\"type\": ..., \"id\": ..., \"fields\": {{...}}}}}}"))?;
    let (verb, change) = match (body.get("delete"), body.get("set")) {
        (Some(change), None) => ("delete", change),
        (None, Some(change)) => ("set", change),
        _ => return Err("the drift body holds exactly one of `delete` and `set`".into()),
    };
    let type_name = change
        .get("type")
        .and_then(Value::as_str)
        .ok_or("the change needs a `type` (e.g. \"Part\")")?;
    let table = store
        .table_named(type_name)
        .ok_or_else(|| format!("the double has no table `{type_name}`"))?
        .to_owned();
    let id = change
        .get("id")
        .and_then(|id| id.as_i64().or_else(|| id.as_str()?.parse().ok()))
        .ok_or("the change needs a numeric `id`")?;
    if store.get(&table, id).is_none() {
        return Err(format!("{table} {id} does not exist"));
    }
    if verb == "delete" {
        let row = store.delete(&table, id).unwrap_or_default();
        return Ok(json!({ "deleted": row }));
    }
    let fields: Map<String, Value> = change
        .get("fields")
        .and_then(Value::as_object)
        .cloned()
        .ok_or("`set` needs `fields`: an object of column -> value")?;
    let row = store
        .update(&table, id, fields)
        .ok_or_else(|| format!("{table} {id} does not exist"))?;
    Ok(json!({ "set": row }))
}
