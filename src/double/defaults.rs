//! Values the double fills in where ION would: the server-filled columns of a write, and at
//! read time a value for every non-null field a row (or a payload) lacks, so no non-null
//! field is ever null and one missing column never nulls a whole list.
//!
//! Read-time defaults, by the field's type and name:
//!
//! | field | value |
//! |---|---|
//! | `createdById`, `updatedById` | the caller, the seed's `me` |
//! | `Etag`, `Created`, `Updated` (join rows such as `PlanItemAllocation`) | the row's `_etag`, `_created`, `_updated` |
//! | `Int`, `Float`, `Decimal` | `0` (`"0"` for `Decimal`, as graphene writes it) |
//! | `Boolean` | `false` |
//! | `String`, `ID` and other scalars | `""` (`ID`: `"0"`) |
//! | `DateTime` / `Date` | the row's `_created` (the seed's timestamp when it has none) |
//! | `JSONString` | `"{}"` |
//! | an enum | its first value |
//! | a list | `[]` |
//! | an entity (`createdBy: User!`, `part: Part!`) | `me` for users, else the first row of its table, else an object of defaults |
//! | another object (`aggregates: PartInventoryAggregates!`) | an object whose non-null fields get these defaults in turn (zeros) |
//!
//! Interfaces and unions get no default (the field stays null): the double cannot tell
//! which type to make.

use apollo_compiler::Schema;
use apollo_compiler::executable::Type;
use apollo_compiler::schema::{ExtendedType, ObjectType};
use serde_json::{Map, Value};

use super::store::{Row, SEED_TIMESTAMP, Store};

/// The columns naming who wrote a row, which ION fills in with the caller.
const CREATED_BY: &str = "createdById";
const UPDATED_BY: &str = "updatedById";

/// Fields that read the store's system columns under another name.
const SYSTEM_ALIASES: [(&str, &str); 3] = [
    ("Etag", "_etag"),
    ("Created", "_created"),
    ("Updated", "_updated"),
];

/// Sets `createdById` (on create, when not given) and `updatedById` to the caller `me`,
/// where the entity declares them.
pub(crate) fn fill_in_server_columns(object: &ObjectType, me: i64, creating: bool, row: &mut Row) {
    if creating && object.fields.contains_key(CREATED_BY) && !row.contains_key(CREATED_BY) {
        row.insert(CREATED_BY.into(), Value::from(me));
    }
    if object.fields.contains_key(UPDATED_BY) {
        row.insert(UPDATED_BY.into(), Value::from(me));
    }
}

/// What the double reads defaults from.
pub(crate) struct Defaults<'a> {
    pub(crate) schema: &'a Schema,
    pub(crate) store: &'a Store,
}

impl Defaults<'_> {
    /// The value of the non-null field `field` (of type `ty`) that `row` lacks; `Null` for a
    /// nullable field, or where no default can be made.
    pub(crate) fn value(&self, row: &Row, field: &str, ty: &Type, is_entity: bool) -> Value {
        if !ty.is_non_null() {
            return Value::Null;
        }
        if ty.is_list() {
            return Value::Array(Vec::new());
        }
        if field == CREATED_BY || field == UPDATED_BY {
            return Value::from(self.store.me());
        }
        // Some of ION's join rows spell the system columns `Etag`, `Created`, `Updated`.
        if let Some(system) = SYSTEM_ALIASES
            .iter()
            .find_map(|(alias, column)| (*alias == field).then_some(*column))
            .and_then(|column| row.get(column))
        {
            return system.clone();
        }
        let named = ty.inner_named_type().as_str();
        let created = || {
            row.get("_created")
                .and_then(Value::as_str)
                .unwrap_or(SEED_TIMESTAMP)
                .to_owned()
        };
        match (named, self.schema.types.get(named)) {
            ("Int" | "Float", _) => Value::from(0),
            ("Decimal", _) => Value::from("0"),
            ("Boolean", _) => Value::Bool(false),
            ("ID", _) => Value::from("0"),
            ("DateTime", _) => Value::from(created()),
            ("Date", _) => Value::from(created().chars().take(10).collect::<String>()),
            ("JSONString", _) => Value::from("{}"),
            (_, Some(ExtendedType::Enum(e))) => e
                .values
                .keys()
                .next()
                .map_or(Value::Null, |v| Value::from(v.as_str())),
            (_, Some(ExtendedType::Object(_))) if is_entity => {
                let row = match named {
                    "User" => self.store.get(named, self.store.me()),
                    _ => None,
                }
                .or_else(|| self.store.rows(named).next());
                Value::Object(row.cloned().unwrap_or_default())
            }
            (_, Some(ExtendedType::Object(_))) => Value::Object(Map::new()),
            (_, Some(ExtendedType::Scalar(_))) => Value::from(""),
            _ => Value::Null,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use serde_json::json;

    const SDL: &str = "type Query { a: Int } enum Status { OPEN CLOSED } scalar DateTime \
        type Totals { count: Int! } type User { id: ID! } \
        type Part { id: ID! createdById: ID! updatedById: ID createdBy: User! status: Status! \
        totals: Totals! when: DateTime! tags: [String]! note: String }";

    fn ty(text: &str) -> Type {
        Type::parse(text, "type.graphql").unwrap()
    }

    #[test]
    fn non_null_fields_get_values_by_type_and_name() {
        let schema = Schema::parse(SDL, "defaults.graphql").unwrap();
        let mut store = Store::new(3, BTreeMap::new());
        store.seed("User", json!({"id": 3}).as_object().cloned().unwrap());
        let defaults = Defaults {
            schema: &schema,
            store: &store,
        };
        let row = Row::new();
        let value =
            |field: &str, text: &str, entity: bool| defaults.value(&row, field, &ty(text), entity);
        assert_eq!(value("createdById", "ID!", false), json!(3));
        assert_eq!(value("count", "Int!", false), json!(0));
        assert_eq!(value("done", "Boolean!", false), json!(false));
        assert_eq!(value("status", "Status!", false), json!("OPEN"));
        assert_eq!(value("when", "DateTime!", false), json!(SEED_TIMESTAMP));
        assert_eq!(value("tags", "[String]!", false), json!([]));
        assert_eq!(value("totals", "Totals!", false), json!({}));
        assert_eq!(value("createdBy", "User!", true)["id"], json!(3));
        let join_row = json!({"_etag": "e1"}).as_object().cloned().unwrap();
        assert_eq!(
            defaults.value(&join_row, "Etag", &ty("String!"), false),
            json!("e1")
        );
        assert_eq!(
            value("note", "String", false),
            Value::Null,
            "nullable stays null"
        );
    }

    #[test]
    fn writes_name_the_caller() {
        let schema = Schema::parse(SDL, "defaults.graphql").unwrap();
        let part = schema.get_object("Part").unwrap();
        let mut row = Row::new();
        fill_in_server_columns(part, 7, true, &mut row);
        assert_eq!(row["createdById"], json!(7));
        assert_eq!(row["updatedById"], json!(7));
        let mut update = Row::new();
        fill_in_server_columns(part, 8, false, &mut update);
        assert!(!update.contains_key("createdById"));
        assert_eq!(update["updatedById"], json!(8));
    }
}
