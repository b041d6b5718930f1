//! The double's in-memory data: one table of rows per entity type, plus the system columns
//! ION keeps on every entity (`_etag`, `_created`, `_updated`, `entityId`).
//!
//! Every write through [`Store::insert`], [`Store::update`] or [`Store::delete`] is also
//! journaled as a [`Change`] (old and new row), for the double's webhooks: whoever writes
//! under the store's lock drains the journal with [`Store::take_changes`] before letting go.
//!
//! Etags are deterministic: a digest of the type, the id and a store-wide write counter, so
//! the same trial run twice sees the same etags, and every write gives a fresh one.
//!
//! Every trial's double starts from a clone of the seed store, so cloning must be cheap:
//! tables are shared copy-on-write ([`Arc`]), and a table is copied only when a trial first
//! writes to it.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// One entity: field name to value, as the GraphQL type names its fields.
pub(crate) type Row = Map<String, Value>;

/// Columns the store fills in on every row; neither seed rows nor inputs set them.
pub(crate) const GENERATED_COLUMNS: [&str; 4] = ["_etag", "_created", "_updated", "entityId"];

/// When the seed data was "created": fixed, so snapshots of seed rows never change.
pub(crate) const SEED_TIMESTAMP: &str = "2026-01-05T09:00:00+00:00";

/// What a write did to a row; ION's webhook actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Create,
    Update,
    Delete,
}

impl Action {
    /// The `WebhookSubscriptionActions` value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Action::Create => "CREATE",
            Action::Update => "UPDATE",
            Action::Delete => "DELETE",
        }
    }
}

/// One committed write: the row before (none on create) and after (none on delete).
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub(crate) type_name: String,
    pub(crate) id: i64,
    pub(crate) action: Action,
    pub(crate) old: Option<Row>,
    pub(crate) new: Option<Row>,
}

/// One table: rows by id.
type Table = BTreeMap<i64, Row>;

/// Every table of the double, keyed by GraphQL object type name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Store {
    /// Shared with the clones of this store until one of them writes to a table (the map),
    /// and each table until one of them writes to that table: a copy of the seed per case
    /// costs a few reference counts, not a copy of every table's name.
    tables: Arc<BTreeMap<String, Arc<Table>>>,
    /// The highest id each table has ever held: ids are never reused, as in a database.
    /// Shared with the clones until one of them inserts.
    high_water: Arc<BTreeMap<String, i64>>,
    /// Column values a create fills in when its input leaves them out, per type; never
    /// changed once the seed is read.
    defaults: Arc<BTreeMap<String, Row>>,
    /// The id of the `User` that `me` returns.
    me: i64,
    writes: u64,
    next_entity_id: i64,
    /// The writes since the journal was last drained.
    changes: Vec<Change>,
}

impl Store {
    pub(crate) fn new(me: i64, defaults: BTreeMap<String, Row>) -> Self {
        Store {
            tables: Arc::default(),
            high_water: Arc::default(),
            defaults: Arc::new(defaults),
            me,
            writes: 0,
            next_entity_id: 1,
            changes: Vec::new(),
        }
    }

    /// A store with this one's `me` and defaults and no tables: a fresh tenant's.
    pub(crate) fn emptied(&self) -> Store {
        Store {
            defaults: Arc::clone(&self.defaults),
            ..Store::new(self.me, BTreeMap::new())
        }
    }

    /// Declares an entity type, so that it exists even with no rows.
    pub(crate) fn add_table(&mut self, type_name: &str) {
        if !self.tables.contains_key(type_name) {
            Arc::make_mut(&mut self.tables).insert(type_name.to_owned(), Arc::default());
        }
    }

    /// Adds a seed row; it must carry its `id`. System columns are filled in.
    pub(crate) fn seed(&mut self, type_name: &str, mut row: Row) {
        let id = row_id(&row).unwrap_or_default();
        row.insert("_etag".into(), etag(type_name, id, 0).into());
        row.insert("_created".into(), SEED_TIMESTAMP.into());
        row.insert("_updated".into(), SEED_TIMESTAMP.into());
        row.insert("entityId".into(), self.next_entity_id.into());
        self.next_entity_id += 1;
        let high = self.high_water_mut(type_name);
        *high = (*high).max(id);
        self.table_mut(type_name).insert(id, row);
    }

    /// The table `type_name` for writing (created when missing), copied first if another
    /// clone of the store still shares it.
    fn table_mut(&mut self, type_name: &str) -> &mut Table {
        let tables = Arc::make_mut(&mut self.tables);
        Arc::make_mut(tables.entry(type_name.to_owned()).or_default())
    }

    /// The highest id `type_name` has held, for writing, copied first if shared.
    fn high_water_mut(&mut self, type_name: &str) -> &mut i64 {
        Arc::make_mut(&mut self.high_water)
            .entry(type_name.to_owned())
            .or_default()
    }

    /// The table called `name`, ignoring ASCII case.
    pub(crate) fn table_named(&self, name: &str) -> Option<&str> {
        self.tables
            .keys()
            .find(|t| t.eq_ignore_ascii_case(name))
            .map(String::as_str)
    }

    pub(crate) fn is_table(&self, type_name: &str) -> bool {
        self.tables.contains_key(type_name)
    }

    /// The values a new row of `type_name` starts from (the seed's `defaults:`).
    pub(crate) fn defaults(&self, type_name: &str) -> Option<&Row> {
        self.defaults.get(type_name)
    }

    pub(crate) fn me(&self) -> i64 {
        self.me
    }

    pub(crate) fn get(&self, type_name: &str, id: i64) -> Option<&Row> {
        self.tables.get(type_name)?.get(&id)
    }

    /// The type and id of the row whose `entityId` is `entity_id` (ION's id across types).
    pub(crate) fn find_entity_id(&self, entity_id: i64) -> Option<(String, i64)> {
        self.tables.iter().find_map(|(type_name, table)| {
            table.iter().find_map(|(id, row)| {
                (row.get("entityId").and_then(Value::as_i64) == Some(entity_id))
                    .then(|| (type_name.clone(), *id))
            })
        })
    }

    /// Every row of a table, in id order.
    pub(crate) fn rows(&self, type_name: &str) -> impl Iterator<Item = &Row> {
        self.tables
            .get(type_name)
            .into_iter()
            .flat_map(|table| table.values())
    }

    /// Inserts a new row built from `fields` over the type's defaults; returns it.
    pub(crate) fn insert(&mut self, type_name: &str, fields: Row) -> Row {
        let high = self.high_water_mut(type_name);
        *high += 1;
        let id = *high;
        let mut row = self.defaults.get(type_name).cloned().unwrap_or_default();
        row.extend(fields.into_iter().filter(|(_, v)| !v.is_null()));
        row.insert("id".into(), id.into());
        row.insert("entityId".into(), self.next_entity_id.into());
        self.next_entity_id += 1;
        let now = now();
        row.insert("_created".into(), now.clone().into());
        row.insert("_updated".into(), now.into());
        self.writes += 1;
        row.insert("_etag".into(), etag(type_name, id, self.writes).into());
        self.table_mut(type_name).insert(id, row.clone());
        self.journal(type_name, id, Action::Create, None, Some(row.clone()));
        row
    }

    /// Overwrites the given columns of an existing row and gives it a fresh etag.
    pub(crate) fn update(&mut self, type_name: &str, id: i64, fields: Row) -> Option<Row> {
        self.writes += 1;
        let writes = self.writes;
        self.get(type_name, id)?;
        let row = self.table_mut(type_name).get_mut(&id)?;
        let old = row.clone();
        row.extend(fields);
        row.insert("_updated".into(), now().into());
        row.insert("_etag".into(), etag(type_name, id, writes).into());
        let new = row.clone();
        self.journal(type_name, id, Action::Update, Some(old), Some(new.clone()));
        Some(new)
    }

    pub(crate) fn delete(&mut self, type_name: &str, id: i64) -> Option<Row> {
        self.writes += 1;
        self.get(type_name, id)?;
        let old = self.table_mut(type_name).remove(&id)?;
        self.journal(type_name, id, Action::Delete, Some(old.clone()), None);
        Some(old)
    }

    /// The writes since the last call, oldest first; the journal is empty afterwards.
    pub(crate) fn take_changes(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.changes)
    }

    fn journal(
        &mut self,
        type_name: &str,
        id: i64,
        action: Action,
        old: Option<Row>,
        new: Option<Row>,
    ) {
        self.changes.push(Change {
            type_name: type_name.to_owned(),
            id,
            action,
            old,
            new,
        });
    }
}

/// A row's `id` column as an integer.
pub(crate) fn row_id(row: &Row) -> Option<i64> {
    row.get("id").and_then(Value::as_i64)
}

/// 32 lowercase hex digits, like ION's `_etag`.
fn etag(type_name: &str, id: i64, version: u64) -> String {
    let digest = Sha256::digest(format!("{type_name}:{id}:{version}"));
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Now, as the double writes timestamps (`_created`, `_updated`, `responseReceivedAt`).
pub(crate) fn now() -> String {
    humantime::format_rfc3339_micros(std::time::SystemTime::now())
        .to_string()
        .replace('Z', "+00:00")
}

/// The message of a stale-etag error; ION's documented text.
pub(crate) const ETAG_MISMATCH: &str = "The _etag mismatch. Your update raced another writer.";

/// The row must exist, and a given etag must be its current one.
pub(crate) fn check_etag(
    store: &Store,
    entity: &str,
    id: i64,
    etag: Option<&Value>,
) -> Result<(), String> {
    let row = store.get(entity, id).ok_or_else(|| not_found(entity, id))?;
    match etag {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(etag))
            if Some(etag.as_str()) == row.get("_etag").and_then(Value::as_str) =>
        {
            Ok(())
        }
        Some(_) => Err(ETAG_MISMATCH.to_owned()),
    }
}

pub(crate) fn not_found(entity: &str, id: i64) -> String {
    format!("{entity} matching id {id} does not exist")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(value: Value) -> Row {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn inserts_take_the_next_id_and_the_defaults() {
        let defaults = BTreeMap::from([("Part".to_owned(), row(json!({"revision": "A"})))]);
        let mut store = Store::new(1, defaults);
        store.seed("Part", row(json!({"id": 4, "partNumber": "PN-4"})));
        let created = store.insert("Part", row(json!({"partNumber": "PN-5", "cost": null})));
        assert_eq!(created["id"], json!(5));
        assert_eq!(created["revision"], json!("A"));
        assert!(!created.contains_key("cost"), "null inputs are not stored");
        assert_eq!(created["entityId"], json!(2));
    }

    #[test]
    fn every_write_changes_the_etag_and_etags_are_reproducible() {
        let mut first = Store::new(1, BTreeMap::new());
        first.seed("Part", row(json!({"id": 1})));
        let seeded = first.get("Part", 1).unwrap()["_etag"].clone();
        assert_eq!(seeded.as_str().map(str::len), Some(32));
        let updated = first.update("Part", 1, Row::new()).unwrap();
        assert_ne!(updated["_etag"], seeded);

        let mut second = Store::new(1, BTreeMap::new());
        second.seed("Part", row(json!({"id": 1})));
        assert_eq!(
            second.update("Part", 1, Row::new()).unwrap()["_etag"],
            updated["_etag"]
        );
    }

    #[test]
    fn deleted_rows_are_gone() {
        let mut store = Store::new(1, BTreeMap::new());
        store.seed("Part", row(json!({"id": 1})));
        assert!(store.delete("Part", 1).is_some());
        assert!(store.get("Part", 1).is_none());
        assert!(store.delete("Part", 1).is_none());
        assert!(store.is_table("Part"));
        let next = store.insert("Part", Row::new());
        assert_eq!(next["id"], json!(2), "ids are never reused");
    }

    #[test]
    fn writes_are_journaled_with_old_and_new_rows_until_drained() {
        let mut store = Store::new(1, BTreeMap::new());
        store.seed("Part", row(json!({"id": 1, "partNumber": "PN-1"})));
        assert!(store.take_changes().is_empty(), "seeding is not a change");
        store.insert("Part", row(json!({"partNumber": "PN-2"})));
        store.update("Part", 1, row(json!({"partNumber": "PN-1b"})));
        store.delete("Part", 2);
        assert!(store.update("Part", 9, Row::new()).is_none());
        let changes = store.take_changes();
        let actions: Vec<_> = changes.iter().map(|c| (c.action, c.id)).collect();
        assert_eq!(
            actions,
            [
                (Action::Create, 2),
                (Action::Update, 1),
                (Action::Delete, 2)
            ]
        );
        assert!(changes[0].old.is_none());
        assert_eq!(
            changes[1].old.as_ref().unwrap()["partNumber"],
            json!("PN-1")
        );
        assert_eq!(
            changes[1].new.as_ref().unwrap()["partNumber"],
            json!("PN-1b")
        );
        assert!(changes[2].new.is_none());
        assert!(store.take_changes().is_empty());
    }
}
