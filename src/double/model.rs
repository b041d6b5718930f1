//! What the double reads off the schema: which types are connections, how a relation field
//! reaches its rows, and how ION spells columns in sort enums and foreign keys.
//!
//! Relations follow ION's naming, so a new type in the schema subset needs no code:
//!
//! - a singular field `part: Part` reads the row's `partId` column;
//! - a list field `children: [ABomItem]` reads a list of ids stored on the row under the
//!   field's own name when there is one;
//! - a list of the type itself (`children: [ABomItem]` on `ABomItem`) is every row whose
//!   `parentId` is the row's id;
//! - otherwise a list field `steps: [RunStep]` on `Run` is every `RunStep` whose `runId`
//!   column is the run's id; when the target type has no field named after the type but
//!   one singular field of it (`WebhookSubscription.receiver: WebhookReceiver`), that
//!   field's column (`receiverId`) is used instead.

use apollo_compiler::Schema;
use apollo_compiler::schema::{ExtendedType, FieldDefinition};
use serde_json::Value;

use super::store::{Row, Store, row_id};

/// The entity type a connection type (`PartsConnection`) pages over, read through
/// `edges: [PartsEdge]` and `node: Part`.
pub(crate) fn connection_node<'s>(schema: &'s Schema, type_name: &str) -> Option<&'s str> {
    let edge = field_definition(schema, type_name, "edges")?;
    let node = field_definition(schema, edge.ty.inner_named_type(), "node")?;
    field_definition(schema, edge.ty.inner_named_type(), "cursor")?;
    Some(node.ty.inner_named_type().as_str())
}

pub(crate) fn field_definition<'s>(
    schema: &'s Schema,
    type_name: &str,
    field: &str,
) -> Option<&'s FieldDefinition> {
    match schema.types.get(type_name)? {
        ExtendedType::Object(object) => object.fields.get(field).map(|f| &***f),
        ExtendedType::Interface(interface) => interface.fields.get(field).map(|f| &***f),
        _ => None,
    }
}

/// The rows a relation field of `row` (of type `type_name`) reaches.
pub(crate) enum Related {
    One(Option<Row>),
    Many(Vec<Row>),
}

/// Follows the relation field `field` (whose type names the entity type `target`).
pub(crate) fn related(
    schema: &Schema,
    store: &Store,
    type_name: &str,
    row: &Row,
    field: &str,
    target: &str,
    is_list: bool,
) -> Related {
    if !is_list {
        let id = row
            .get(&format!("{field}Id"))
            .and_then(as_id)
            .or_else(|| row.get(field).and_then(as_id));
        return Related::One(id.and_then(|id| store.get(target, id)).cloned());
    }
    if let Some(Value::Array(ids)) = row.get(field) {
        let rows = ids
            .iter()
            .filter_map(as_id)
            .filter_map(|id| store.get(target, id).cloned())
            .collect();
        return Related::Many(rows);
    }
    // A list of the type itself (`ABomItem.children`) hangs off a `parentId` column.
    let key = if target == type_name {
        "parentId".to_owned()
    } else {
        back_reference(schema, type_name, target)
    };
    let id = row_id(row);
    let rows = store
        .rows(target)
        .filter(|candidate| id.is_some() && candidate.get(&key).and_then(as_id) == id)
        .cloned()
        .collect();
    Related::Many(rows)
}

/// The column of `target` rows that points back at a row of `type_name`: `runId` when
/// `target` has a `run` field (or no field of `type_name` at all), else the column of its
/// one singular field of that type (`receiverId` for `receiver: WebhookReceiver`).
fn back_reference(schema: &Schema, type_name: &str, target: &str) -> String {
    let key = foreign_key(type_name);
    let stem = &key[..key.len() - "Id".len()];
    if field_definition(schema, target, stem).is_some() {
        return key;
    }
    let Some(ExtendedType::Object(object)) = schema.types.get(target) else {
        return key;
    };
    let mut pointing = object
        .fields
        .iter()
        .filter(|(_, f)| !f.ty.is_list() && f.ty.inner_named_type() == type_name);
    match (pointing.next(), pointing.next()) {
        (Some((name, _)), None) => format!("{name}Id"),
        _ => key,
    }
}

/// The column that points at a row of `type_name`: `Part` → `partId`, `ABomItem` → `aBomItemId`.
pub(crate) fn foreign_key(type_name: &str) -> String {
    let mut chars = type_name.chars();
    let first = chars.next().map(|c| c.to_ascii_lowercase());
    first.into_iter().chain(chars).chain("Id".chars()).collect()
}

/// The column a sort enum value orders by, and whether descending:
/// `PART_NUMBER_DESC` → (`partNumber`, true); `_CREATED_ASC` → (`_created`, false).
pub(crate) fn sort_column(value: &str) -> Option<(String, bool)> {
    let (column, descending) = if let Some(c) = value.strip_suffix("_DESC") {
        (c, true)
    } else {
        (value.strip_suffix("_ASC")?, false)
    };
    let (prefix, body) = match column.strip_prefix('_') {
        Some(rest) => ("_", rest),
        None => ("", column),
    };
    let mut name = String::from(prefix);
    for (i, word) in body.split('_').filter(|w| !w.is_empty()).enumerate() {
        let lower = word.to_ascii_lowercase();
        if i == 0 {
            name.push_str(&lower);
        } else {
            let mut chars = lower.chars();
            name.extend(chars.next().map(|c| c.to_ascii_uppercase()));
            name.push_str(chars.as_str());
        }
    }
    Some((name, descending))
}

/// An id as ION passes them: a number, or (for `ID` arguments) a string of digits.
pub(crate) fn as_id(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_values_name_columns() {
        assert_eq!(sort_column("ID_ASC"), Some(("id".into(), false)));
        assert_eq!(
            sort_column("PART_NUMBER_DESC"),
            Some(("partNumber".into(), true))
        );
        assert_eq!(
            sort_column("_CREATED_ASC"),
            Some(("_created".into(), false))
        );
        assert_eq!(sort_column("PART_NUMBER"), None);
    }

    #[test]
    fn foreign_keys_are_lower_camel_with_id() {
        assert_eq!(foreign_key("Part"), "partId");
        assert_eq!(foreign_key("PartInventory"), "partInventoryId");
        assert_eq!(foreign_key("ABomItem"), "aBomItemId");
    }

    #[test]
    fn list_relations_read_the_column_of_the_field_pointing_back() {
        let sdl = "type Run { id: Int } type RunStep { id: Int run: Run } \
                   type WebhookReceiver { id: Int } \
                   type WebhookSubscription { id: Int receiver: WebhookReceiver } \
                   type Lone { id: Int }";
        let schema = Schema::parse(sdl, "relations.graphql").unwrap();
        assert_eq!(back_reference(&schema, "Run", "RunStep"), "runId");
        assert_eq!(
            back_reference(&schema, "WebhookReceiver", "WebhookSubscription"),
            "receiverId"
        );
        assert_eq!(back_reference(&schema, "Lone", "RunStep"), "loneId");
    }

    #[test]
    fn ids_may_be_numbers_or_digit_strings() {
        assert_eq!(as_id(&Value::from(7)), Some(7));
        assert_eq!(as_id(&Value::from("7")), Some(7));
        assert_eq!(as_id(&Value::from("seven")), None);
        assert_eq!(as_id(&Value::Null), None);
    }
}
