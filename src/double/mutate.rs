//! Mutations, served by their family ([`super::families`]): creates take an `input` (or,
//! like `createProcedure`, top-level arguments) and return a payload wrapping the new row;
//! updates find the row by `id` (or by its `*Id` columns) and check the `etag` when one is
//! given (the schema makes it required where ION does); deletes answer `{id}` and the keys
//! given; `createRuns(input: [..])` and `updateRuns` are the list forms; `cancel*`/`archive*`
//! are updates that also set the state their verb names (`archiveRun` sets `archived`);
//! `copy*`/`clone*` insert a copy of the row named; relations are in [`super::relation`].
//! `createAbomForPartInventory(etag, id)` creates the root item of an inventory's as-built
//! BOM, and the webhook header mutations are in `webhook/`.
//!
//! Server-filled columns ([`super::defaults`]): the store gives every new row its `id`,
//! `entityId`, `_etag`, `_created` and `_updated`; a create also sets `createdById` and
//! `updatedById` to the caller (the seed's `me`) and an update `updatedById`, where the
//! entity declares them. The double demands nothing GraphQL validation does not: an input
//! field ION fills in may be left out, and the read path gives every non-null field a value.

use apollo_compiler::Schema;
use apollo_compiler::schema::{ExtendedType, ObjectType};
use serde_json::{Map, Value, json};

use super::defaults::fill_in_server_columns;
use super::families::{Families, MutationFamily};
use super::model::{as_id, field_definition, foreign_key};
use super::store::{GENERATED_COLUMNS, Row, Store, check_etag, not_found};

mod relation;

/// Whether inputs may never set `column`: the id and the columns the store fills in.
fn is_system_column(column: &str) -> bool {
    column == "id" || GENERATED_COLUMNS.contains(&column)
}

/// The store and what the schema says about it, for one mutation.
pub(crate) struct Writer<'a> {
    pub(crate) schema: &'a Schema,
    pub(crate) families: &'a Families,
    pub(crate) store: &'a mut Store,
}

/// Applies the mutation `name` and returns its payload as JSON.
pub(crate) fn apply(
    schema: &Schema,
    families: &Families,
    store: &mut Store,
    name: &str,
    payload_type: &str,
    args: &Map<String, Value>,
) -> Result<Value, String> {
    if name == "createAbomForPartInventory" {
        return abom_for_part_inventory(store, args);
    }
    if let Some(answer) = super::webhook::header_mutation(store, name, args) {
        return answer;
    }
    let mut writer = Writer {
        schema,
        families,
        store,
    };
    let input = input_of(args);
    let family = families.mutation(name);
    let (field, row) = match family {
        MutationFamily::Create {
            entity,
            field,
            upsert,
        } => {
            // `createOrUpdate*` updates the row its input's `id` names, if there is one.
            let existing = input.get("id").and_then(as_id);
            let row = match existing.and_then(|id| writer.store.get(entity, id)) {
                Some(_) if *upsert => writer.update(entity, &input, Row::new())?,
                _ => writer.create(entity, &input)?,
            };
            (field, Value::Object(row))
        }
        MutationFamily::CreateMany { entity, field } => {
            let rows = each_input(args)
                .map(|input| writer.create(entity, &input).map(Value::Object))
                .collect::<Result<Vec<_>, _>>()?;
            (field, Value::Array(rows))
        }
        MutationFamily::Update { entity, field } => {
            let row = writer.update(entity, &input, Row::new())?;
            (field, Value::Object(row))
        }
        MutationFamily::UpdateMany { entity, field } => {
            let rows = each_input(args)
                .map(|input| writer.update(entity, &input, Row::new()).map(Value::Object))
                .collect::<Result<Vec<_>, _>>()?;
            (field, Value::Array(rows))
        }
        MutationFamily::Transition {
            entity,
            field,
            verb,
        } => {
            let state = writer.transition_state(entity, verb, &input);
            let row = writer.update(entity, &input, state)?;
            (field, Value::Object(row))
        }
        MutationFamily::Copy { entity, field } => {
            let row = writer.copy(entity, &input)?;
            (field, Value::Object(row))
        }
        MutationFamily::Delete { entity } => return writer.delete(entity, &input),
        MutationFamily::Relation { adding } => {
            // A list input (`addItemsToReceipt(input: [..])`) links each item's rows.
            let inputs: Vec<_> = match args.get("input") {
                Some(Value::Array(_)) => each_input(args).collect(),
                _ => vec![input],
            };
            let mut payload = Value::Null;
            for input in &inputs {
                payload = relation::apply(&mut writer, *adding, payload_type, input)?;
            }
            return Ok(payload);
        }
        MutationFamily::Special | MutationFamily::Other => {
            return Err(format!(
                "the ION double does not serve Mutation.{name} (family: {}): it serves create, \
                 update, delete, relation (add/remove/attach/detach), cancel/archive and \
                 copy/clone mutations of entity types; run this operation against a sandbox \
                 target",
                family.name()
            ));
        }
    };
    Ok(json!({ field.as_str(): row }))
}

/// The mutation's input: its `input` (or `deleteInput`) object, else its arguments.
fn input_of(args: &Map<String, Value>) -> Map<String, Value> {
    let nested = args
        .iter()
        .filter(|(key, _)| key.as_str() == "input" || key.ends_with("Input"))
        .find_map(|(_, value)| value.as_object());
    nested.cloned().unwrap_or_else(|| args.clone())
}

/// Each object of a list `input`.
fn each_input(args: &Map<String, Value>) -> impl Iterator<Item = Map<String, Value>> + '_ {
    args.get("input")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| item.as_object().cloned())
}

impl Writer<'_> {
    /// Whether `type_name` is a table: an entity of the schema or of the seed.
    pub(crate) fn is_entity(&self, type_name: &str) -> bool {
        self.families.is_entity(type_name) || self.store.is_table(type_name)
    }

    fn object(&self, entity: &str) -> Result<&ObjectType, String> {
        match self.schema.types.get(entity) {
            Some(ExtendedType::Object(object)) => Ok(object),
            _ => Err(format!(
                "{entity} is not an object type of the double's schema"
            )),
        }
    }

    /// Inserts a row of `entity` from the input's columns and the server-filled ones.
    fn create(&mut self, entity: &str, input: &Map<String, Value>) -> Result<Row, String> {
        let object = self.object(entity)?;
        let mut columns = self.columns(object, input, false)?;
        super::webhook::fill_in_create(entity, &mut columns);
        fill_in_server_columns(object, self.store.me(), true, &mut columns);
        super::unique::check_create(self.store, entity, &columns)?;
        Ok(self.store.insert(entity, columns))
    }

    /// Overwrites the input's columns (and `extra`) on the row the input names.
    fn update(
        &mut self,
        entity: &str,
        input: &Map<String, Value>,
        extra: Row,
    ) -> Result<Row, String> {
        let id = self.locate(entity, input)?;
        check_etag(self.store, entity, id, input.get("etag"))?;
        let object = self.object(entity)?;
        let mut columns = self.columns(object, input, true)?;
        columns.extend(extra);
        fill_in_server_columns(object, self.store.me(), false, &mut columns);
        self.store
            .update(entity, id, columns)
            .ok_or_else(|| not_found(entity, id))
    }

    /// `cancel*` sets a `status` enum value starting with `CANCEL`; `archive*` sets
    /// `archived: true` unless the input says otherwise.
    fn transition_state(&self, entity: &str, verb: &str, input: &Map<String, Value>) -> Row {
        let mut state = Row::new();
        if verb == "archive" && !input.contains_key("archived") {
            if field_definition(self.schema, entity, "archived").is_some() {
                state.insert("archived".into(), Value::Bool(true));
            }
            return state;
        }
        let prefix = verb.to_ascii_uppercase();
        let status = field_definition(self.schema, entity, "status").and_then(|f| {
            match self.schema.types.get(f.ty.inner_named_type()) {
                Some(ExtendedType::Enum(e)) => e.values.keys().find(|v| v.starts_with(&*prefix)),
                _ => None,
            }
        });
        if let Some(value) = status {
            state.insert("status".into(), Value::from(value.as_str()));
        }
        state
    }

    /// A new row with the columns of the row named (by `<entity>Id` or `id`), the input's
    /// columns over them.
    fn copy(&mut self, entity: &str, input: &Map<String, Value>) -> Result<Row, String> {
        let key = foreign_key(entity);
        let id = input
            .get(&key)
            .or_else(|| input.get("id"))
            .and_then(as_id)
            .ok_or_else(|| format!("give `{key}`, the id of the {entity} to copy"))?;
        check_etag(self.store, entity, id, input.get("etag"))?;
        let mut columns = self.store.get(entity, id).cloned().unwrap_or_default();
        columns.retain(|column, _| !is_system_column(column));
        let object = self.object(entity)?;
        columns.extend(self.columns(object, input, false)?);
        fill_in_server_columns(object, self.store.me(), true, &mut columns);
        Ok(self.store.insert(entity, columns))
    }

    /// Removes the row the input names; answers `{id}` and the keys given.
    fn delete(&mut self, entity: &str, input: &Map<String, Value>) -> Result<Value, String> {
        let id = self.locate(entity, input)?;
        check_etag(self.store, entity, id, input.get("etag"))?;
        self.store.delete(entity, id);
        let mut payload: Map<String, Value> = input
            .iter()
            .filter(|(key, _)| key.ends_with("Id"))
            .map(|(key, value)| (key.clone(), as_id(value).map_or(Value::Null, Value::from)))
            .collect();
        payload.insert("id".into(), Value::from(id));
        Ok(Value::Object(payload))
    }

    /// The id of the row the input names: its `id`, else the one row whose `*Id` columns
    /// equal the input's (`deletePartProcedure(partId, procedureId)`).
    pub(crate) fn locate(&self, entity: &str, input: &Map<String, Value>) -> Result<i64, String> {
        if let Some(given) = input.get("id") {
            let id = as_id(given).ok_or_else(|| {
                format!("Invalid id {given} for {entity}: ION's ids are whole numbers, e.g. 1")
            })?;
            return Ok(id);
        }
        let keys: Vec<(&String, i64)> = input
            .iter()
            .filter(|(key, _)| key.ends_with("Id"))
            .filter_map(|(key, value)| as_id(value).map(|id| (key, id)))
            .collect();
        if keys.is_empty() {
            return Err(format!("give the id of the {entity} to change"));
        }
        let found = self.store.rows(entity).find(|row| {
            keys.iter()
                .all(|(key, id)| row.get(key.as_str()).and_then(as_id) == Some(*id))
        });
        found
            .and_then(|row| row.get("id").and_then(Value::as_i64))
            .ok_or_else(|| {
                let given: Vec<String> = keys.iter().map(|(k, id)| format!("{k} {id}")).collect();
                format!("{entity} matching {} does not exist", given.join(", "))
            })
    }

    /// The input values that are columns of the entity, with foreign keys checked.
    /// Explicit nulls clear a column on update and are dropped on create.
    fn columns(
        &self,
        object: &ObjectType,
        input: &Map<String, Value>,
        updating: bool,
    ) -> Result<Row, String> {
        let entity = object.name.as_str();
        let mut row = Row::new();
        for (key, value) in input {
            if is_system_column(key) || key == "etag" {
                continue;
            }
            let Some(field) = object.fields.get(key.as_str()) else {
                continue;
            };
            if self.is_entity(field.ty.inner_named_type()) {
                continue;
            }
            if value.is_null() {
                if updating && field.ty.is_non_null() {
                    return Err(format!("{entity}.{key} cannot be null"));
                }
                if updating {
                    row.insert(key.clone(), Value::Null);
                }
                continue;
            }
            if let Some(stem) = key.strip_suffix("Id")
                && let Some(relation) = field_definition(self.schema, entity, stem)
            {
                let target = relation.ty.inner_named_type().as_str();
                let id = as_id(value);
                if self.is_entity(target) && id.and_then(|id| self.store.get(target, id)).is_none()
                {
                    return Err(format!("{key}: there is no {target} with id {value}"));
                }
                row.insert(key.clone(), id.map_or(value.clone(), Value::from));
                continue;
            }
            row.insert(key.clone(), value.clone());
        }
        Ok(row)
    }
}

/// `createAbomForPartInventory(etag, id)`: the root of an inventory's as-built BOM, an
/// `ABomItem` of the inventory's part holding the inventory, with no parent.
fn abom_for_part_inventory(store: &mut Store, args: &Map<String, Value>) -> Result<Value, String> {
    let id = args
        .get("id")
        .and_then(as_id)
        .ok_or_else(|| "give the id of the PartInventory".to_owned())?;
    check_etag(store, "PartInventory", id, args.get("etag"))?;
    let part_id = store
        .get("PartInventory", id)
        .and_then(|row| row.get("partId").cloned())
        .unwrap_or(Value::Null);
    let mut columns = Map::new();
    columns.insert("partInventoryId".into(), Value::from(id));
    columns.insert("partId".into(), part_id);
    columns.insert("quantity".into(), Value::from(1.0));
    let row = store.insert("ABomItem", columns);
    Ok(json!({ "abomItem": row }))
}
