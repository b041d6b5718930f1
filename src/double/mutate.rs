//! `createX`, `updateX` and `deleteX` mutations, ION style: creates take an `input` (or, like
//! `createProcedure`, top-level arguments) and return a payload wrapping the new entity;
//! updates need the row's current `etag`; deletes take `(etag, id)` and return `{id}`.
//! `archiveRun` is an update of `archived` (ION cannot delete a run), and
//! `createAbomForPartInventory(etag, id)` creates the root item of an inventory's as-built BOM.
//!
//! The entity a mutation writes is the payload field whose type is an entity (`CreatePart
//! { part }`, `CreateRunStep { step }`), or for deletes the type its name ends with.

use apollo_compiler::Schema;
use apollo_compiler::executable::Type;
use apollo_compiler::schema::{ExtendedType, ObjectType};
use serde_json::{Map, Value};

use super::model::{as_id, field_definition};
use super::store::{GENERATED_COLUMNS, Row, Store};

/// The message of a stale-etag error; ION's documented text.
pub(crate) const ETAG_MISMATCH: &str = "The _etag mismatch. Your update raced another writer.";

/// Whether inputs may never set `column`: the id and the columns the store fills in.
fn is_system_column(column: &str) -> bool {
    column == "id" || GENERATED_COLUMNS.contains(&column)
}

/// Applies the mutation `name` and returns its payload as JSON.
pub(crate) fn apply(
    schema: &Schema,
    store: &mut Store,
    name: &str,
    payload_type: &Type,
    args: &Map<String, Value>,
) -> Result<Value, String> {
    let payload = payload_type.inner_named_type().as_str();
    let unsupported = || {
        format!(
            "the ION double does not implement Mutation.{name}; it serves createX, updateX and \
             deleteX for the types in its seed data"
        )
    };
    if let Some(suffix) = name.strip_prefix("delete") {
        // ION spells some mutations differently from their type (`deleteAbomItem`).
        let entity = store
            .table_named(suffix)
            .ok_or_else(unsupported)?
            .to_owned();
        let entity = entity.as_str();
        let id = required_id(args, entity)?;
        check_etag(store, entity, id, args.get("etag"))?;
        store.delete(entity, id);
        return Ok(serde_json::json!({ "id": id }));
    }
    if name == "createAbomForPartInventory" {
        return abom_for_part_inventory(store, args);
    }
    if let Some(answer) = super::webhook::header_mutation(store, name, args) {
        return answer;
    }
    let (field, entity) = entity_field(schema, store, payload).ok_or_else(unsupported)?;
    let object = object_type(schema, &entity).ok_or_else(unsupported)?;
    let input = match args.get("input") {
        Some(Value::Object(input)) => input.clone(),
        _ => args.clone(),
    };
    let row = if name.starts_with("create") {
        let mut columns = columns(schema, store, object, &input, false)?;
        super::webhook::fill_in_create(&entity, &mut columns);
        let missing = missing_required(object, store, &entity, &columns);
        if let Some(column) = missing {
            return Err(format!(
                "{entity}.{column} is required: give `{column}` in the input"
            ));
        }
        super::unique::check_create(store, &entity, &columns)?;
        store.insert(&entity, columns)
    } else if name.starts_with("update") || name.starts_with("archive") {
        // `archiveRun(input: {id, etag, archived})` is an update of `archived`.
        let id = required_id(&input, &entity)?;
        check_etag(store, &entity, id, input.get("etag"))?;
        let columns = columns(schema, store, object, &input, true)?;
        store
            .update(&entity, id, columns)
            .ok_or_else(|| not_found(&entity, id))?
    } else {
        return Err(unsupported());
    };
    let mut payload = Map::new();
    payload.insert(field, Value::Object(row));
    Ok(Value::Object(payload))
}

/// `createAbomForPartInventory(etag, id)`: the root of an inventory's as-built BOM, an
/// `ABomItem` of the inventory's part holding the inventory, with no parent.
fn abom_for_part_inventory(store: &mut Store, args: &Map<String, Value>) -> Result<Value, String> {
    let id = required_id(args, "PartInventory")?;
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
    Ok(serde_json::json!({ "abomItem": row }))
}

/// The payload's entity field and its type: `CreatePart` → (`part`, `Part`).
fn entity_field(schema: &Schema, store: &Store, payload: &str) -> Option<(String, String)> {
    let object = object_type(schema, payload)?;
    object.fields.iter().find_map(|(name, field)| {
        let ty = field.ty.inner_named_type().as_str();
        (store.is_table(ty) && !field.ty.is_list()).then(|| (name.to_string(), ty.to_owned()))
    })
}

fn object_type<'s>(schema: &'s Schema, name: &str) -> Option<&'s ObjectType> {
    match schema.types.get(name)? {
        ExtendedType::Object(object) => Some(object),
        _ => None,
    }
}

/// The input values that are columns of the entity, with foreign keys checked.
/// Explicit nulls clear a column on update and are dropped on create.
fn columns(
    schema: &Schema,
    store: &Store,
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
        if store.is_table(field.ty.inner_named_type()) {
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
            && let Some(relation) = field_definition(schema, entity, stem)
        {
            let target = relation.ty.inner_named_type().as_str();
            let id = as_id(value);
            if store.is_table(target) && id.and_then(|id| store.get(target, id)).is_none() {
                return Err(format!("{key}: there is no {target} with id {value}"));
            }
            row.insert(key.clone(), id.map_or(value.clone(), Value::from));
            continue;
        }
        row.insert(key.clone(), value.clone());
    }
    Ok(row)
}

/// The first non-null leaf column a new row would lack, after the type's defaults.
fn missing_required(
    object: &ObjectType,
    store: &Store,
    entity: &str,
    columns: &Row,
) -> Option<String> {
    let defaults = store.defaults(entity);
    object.fields.iter().find_map(|(name, field)| {
        let name = name.as_str();
        let leaf = !store.is_table(field.ty.inner_named_type()) && !field.ty.is_list();
        let given = columns.contains_key(name) || defaults.is_some_and(|d| d.contains_key(name));
        (field.ty.is_non_null() && leaf && !given && !is_system_column(name))
            .then(|| name.to_owned())
    })
}

fn required_id(args: &Map<String, Value>, entity: &str) -> Result<i64, String> {
    args.get("id")
        .and_then(as_id)
        .ok_or_else(|| format!("give the id of the {entity} to change"))
}

pub(crate) fn check_etag(
    store: &Store,
    entity: &str,
    id: i64,
    etag: Option<&Value>,
) -> Result<(), String> {
    let row = store.get(entity, id).ok_or_else(|| not_found(entity, id))?;
    match etag.and_then(Value::as_str) {
        Some(etag) if Some(etag) == row.get("_etag").and_then(Value::as_str) => Ok(()),
        _ => Err(ETAG_MISMATCH.to_owned()),
    }
}

fn not_found(entity: &str, id: i64) -> String {
    format!("{entity} matching id {id} does not exist")
}
