//! Relation mutations (`addUserToTeam`, `attachRoleToUser`, `addLabelToItem`,
//! `removeSubtypeFromPart`, ...), served generically: the input names two rows by their
//! `*Id` keys (`teamId` → a `Team`, `partSubtypeId` → a `PartSubtype`; `entityId` → the row
//! of any type with that `entityId`; keys naming no entity type are not rows), the first two
//! in the input's order. Adding stores each row's id in the other's list
//! column that its relation field reads (`Team.users`, `User.teams`; see
//! [`super::super::model`]), starting from the rows the field reached before; removing takes it
//! out. A type with no list field of the other is left as it is, but at least one side
//! must have one.
//!
//! A given `etag` is checked against the row the payload returns (`AddSubtypeToPart
//! { part }`: the part's). The payload holds that row, updated, and echoes the input's ids
//! (`AddUserToTeam { userId teamId }`).

use serde_json::{Map, Value};

use super::super::model::{Related, as_id, related};
use super::super::store::{check_etag, not_found, row_id};
use super::Writer;

/// One row a relation mutation names: its type and id.
struct Named {
    entity: String,
    id: i64,
}

/// Links (`adding`) or unlinks the two rows `input` names; answers the payload.
pub(crate) fn apply(
    writer: &mut Writer<'_>,
    adding: bool,
    payload_type: &str,
    input: &Map<String, Value>,
) -> Result<Value, String> {
    let mut named = Vec::new();
    for (key, value) in input.iter().filter(|(key, _)| key.ends_with("Id")) {
        if let Some(id) = as_id(value)
            && let Some(row) = writer.named(key, id)?
        {
            named.push(row);
        }
    }
    let [first, second, ..] = named.as_slice() else {
        return Err(format!(
            "give the ids of the two rows to {}, named after their types, e.g. `{{teamId: 1, \
             userId: 2}}`",
            if adding { "link" } else { "unlink" }
        ));
    };
    let returned = writer.returned(payload_type, first, second);
    if let Some((_, row)) = returned {
        check_etag(writer.store, &row.entity, row.id, input.get("etag"))?;
    }
    let linked = writer.link(first, second, adding) | writer.link(second, first, adding);
    if !linked {
        return Err(format!(
            "the ION double cannot link {} and {}: neither has a list field of the other's type",
            first.entity, second.entity
        ));
    }
    let mut payload: Map<String, Value> = input
        .iter()
        .filter(|(key, _)| key.ends_with("Id"))
        .map(|(key, value)| (key.clone(), as_id(value).map_or(Value::Null, Value::from)))
        .collect();
    if let Some((field, row)) = returned {
        let row = writer.store.get(&row.entity, row.id).cloned();
        payload.insert(field, row.map_or(Value::Null, Value::Object));
    }
    Ok(Value::Object(payload))
}

impl Writer<'_> {
    /// The row the input key `key` names (`teamId` a `Team`, `entityId` a row of any type),
    /// which must exist; `None` when the key names no entity type.
    fn named(&self, key: &str, id: i64) -> Result<Option<Named>, String> {
        if key == "entityId" {
            return self
                .store
                .find_entity_id(id)
                .map(|(entity, id)| Some(Named { entity, id }))
                .ok_or_else(|| format!("there is no row with entityId {id}"));
        }
        let stem = &key[..key.len() - "Id".len()];
        let Some(entity) = self
            .families
            .entity_named(stem)
            .or_else(|| self.store.table_named(stem))
        else {
            return Ok(None);
        };
        let entity = entity.to_owned();
        self.store
            .get(&entity, id)
            .ok_or_else(|| not_found(&entity, id))?;
        Ok(Some(Named { entity, id }))
    }

    /// The payload field holding one of the two rows, and that row.
    fn returned<'n>(
        &self,
        payload_type: &str,
        first: &'n Named,
        second: &'n Named,
    ) -> Option<(String, &'n Named)> {
        let payload = self.schema.get_object(payload_type)?;
        payload.fields.iter().find_map(|(name, field)| {
            let ty = field.ty.inner_named_type().as_str();
            [first, second]
                .into_iter()
                .find(|row| row.entity == ty && !field.ty.is_list())
                .map(|row| (name.to_string(), row))
        })
    }

    /// Adds `other`'s id to (or takes it out of) the list column of `row` that reads
    /// `other`'s type; whether `row`'s type has such a field.
    fn link(&mut self, row: &Named, other: &Named, adding: bool) -> bool {
        let Some(object) = self.schema.get_object(&row.entity) else {
            return false;
        };
        let Some(field) = object.fields.iter().find_map(|(name, field)| {
            (field.ty.is_list() && field.ty.inner_named_type() == other.entity.as_str())
                .then(|| name.to_string())
        }) else {
            return false;
        };
        let Some(current) = self.store.get(&row.entity, row.id) else {
            return false;
        };
        let reached = related(
            self.schema,
            self.store,
            &row.entity,
            current,
            &field,
            &other.entity,
            true,
        );
        let mut ids: Vec<i64> = match reached {
            Related::Many(rows) => rows.iter().filter_map(row_id).collect(),
            Related::One(_) => Vec::new(),
        };
        ids.retain(|id| *id != other.id);
        if adding {
            ids.push(other.id);
        }
        let mut columns = Map::new();
        columns.insert(field, ids.into_iter().map(Value::from).collect());
        self.store.update(&row.entity, row.id, columns);
        true
    }
}
