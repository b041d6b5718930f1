//! Generated rows for the `demo` data: every entity type of the loaded schema that the seed
//! does not mention gets [`ROWS_PER_TYPE`] rows, so a list of any type has data to test
//! with. A type the seed names, even as `[]`, keeps exactly the seed's rows.
//!
//! The rows are deterministic (the same schema and seed give the same rows), their ids
//! are 1, 2, 3, and their foreign keys are consistent: a `partId` column (beside a `part`
//! field) holds the id of a `Part` row, seeded or generated; `createdById` and `updatedById`
//! are the seed's `me`; a list of the type itself (`parentId`) is left empty. Scalar values
//! are plausible for the field's name and type: `name`/`title` `Part 1`, `email`
//! `user1@example.com`, `*Number` `PART-0001`, descriptions, counts `1`, quantities
//! `1.0`, flags `false`, an enum's values in turn, the seed's timestamp for dates.

use std::collections::BTreeMap;

use apollo_compiler::Schema;
use apollo_compiler::schema::{ExtendedType, FieldDefinition, ObjectType};
use serde_json::Value;

use super::families::Families;
use super::store::{GENERATED_COLUMNS, Row, SEED_TIMESTAMP, Store, row_id};

/// How many rows each entity type without seed rows gets.
pub(crate) const ROWS_PER_TYPE: i64 = 3;

/// Adds generated rows to `store` for every entity type of `families` it has no table of.
pub(crate) fn fill(schema: &Schema, families: &Families, store: &mut Store) {
    let generated: Vec<&str> = families
        .entities()
        .filter(|entity| !store.is_table(entity))
        .collect();
    let mut ids: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for entity in families.entities() {
        let existing: Vec<i64> = store.rows(entity).filter_map(row_id).collect();
        ids.insert(entity, existing);
    }
    for entity in &generated {
        ids.insert(entity, (1..=ROWS_PER_TYPE).collect());
    }
    let me = store.me();
    for entity in generated {
        let Some(object) = schema.get_object(entity) else {
            continue;
        };
        for id in 1..=ROWS_PER_TYPE {
            let row = Generator {
                schema,
                ids: &ids,
                me,
            }
            .row(object, id);
            store.seed(entity, row);
        }
    }
}

struct Generator<'a> {
    schema: &'a Schema,
    /// The ids of every entity type's rows, seeded or about to be generated.
    ids: &'a BTreeMap<&'a str, Vec<i64>>,
    me: i64,
}

impl Generator<'_> {
    /// Row `id` (1-based) of the entity `object`.
    fn row(&self, object: &ObjectType, id: i64) -> Row {
        let mut row = Row::new();
        row.insert("id".into(), Value::from(id));
        for (name, field) in &object.fields {
            let name = name.as_str();
            let system = GENERATED_COLUMNS.contains(&name)
                || matches!(
                    name,
                    "id" | "Etag" | "Created" | "Updated" | "LastSessionId"
                );
            if system || !field.arguments.is_empty() {
                continue;
            }
            if let Some(value) = self.value(object, name, field, id) {
                row.insert(name.to_owned(), value);
            }
        }
        row
    }

    fn value(
        &self,
        object: &ObjectType,
        name: &str,
        field: &FieldDefinition,
        id: i64,
    ) -> Option<Value> {
        if field.ty.is_list() {
            return None;
        }
        if name == "createdById" || name == "updatedById" {
            return Some(Value::from(self.me));
        }
        if let Some(stem) = name.strip_suffix("Id")
            && let Some(relation) = object.fields.get(stem)
        {
            let target = relation.ty.inner_named_type().as_str();
            if target == object.name.as_str() {
                return None;
            }
            let ids = self.ids.get(target)?;
            let index = usize::try_from(id - 1).unwrap_or_default() % ids.len().max(1);
            return ids.get(index).map(|id| Value::from(*id));
        }
        let named = field.ty.inner_named_type().as_str();
        let type_name = object.name.as_str();
        let value = match (named, self.schema.types.get(named)) {
            ("String", _) => Value::from(text(type_name, name, id)),
            ("Int", _) => Value::from(id),
            ("Float" | "Decimal", _) => Value::from(id as f64),
            ("Boolean", _) => Value::Bool(false),
            ("DateTime", _) => Value::from(SEED_TIMESTAMP),
            (_, Some(ExtendedType::Enum(e))) => {
                let values: Vec<_> = e.values.keys().collect();
                let index = usize::try_from(id - 1).unwrap_or_default() % values.len().max(1);
                Value::from(values.get(index)?.as_str())
            }
            _ => return None,
        };
        Some(value)
    }
}

/// A plausible string for the field `name` of row `id` of `type_name`.
fn text(type_name: &str, name: &str, id: i64) -> String {
    let lower = name.to_ascii_lowercase();
    if lower.contains("email") {
        format!("user{id}@example.com")
    } else if lower.ends_with("number") || lower.ends_with("serial") {
        format!("{}-{id:04}", type_name.to_ascii_uppercase())
    } else if lower.contains("url") || lower.contains("uri") {
        format!(
            "https://example.com/{}/{id}",
            type_name.to_ascii_lowercase()
        )
    } else if lower == "name" || lower == "title" || lower.ends_with("name") {
        format!("{type_name} {id}")
    } else if lower.contains("description") || lower.contains("note") {
        format!("Generated {type_name} {id} for the demo data")
    } else {
        format!("{name} {id}")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use serde_json::json;

    const SDL: &str = "type Query { parts: [Part] part(id: ID!): Part user(id: ID!): User \
        supplier(id: ID!): Supplier } \
        enum Kind { MADE BOUGHT } scalar DateTime \
        type User { id: ID! email: String } \
        type Supplier { id: ID! name: String! } \
        type Part { id: ID! partNumber: String! kind: Kind! cost: Float createdById: Int! \
        supplierId: Int supplier: Supplier parentId: Int parent: Part when: DateTime }";

    #[test]
    fn types_without_seed_rows_get_consistent_deterministic_rows() {
        let schema = Schema::parse(SDL, "generate.graphql").unwrap();
        let families = Families::classify(&schema);
        let generated = || {
            let mut store = Store::new(7, BTreeMap::new());
            store.add_table("User");
            store.seed("User", json!({"id": 7}).as_object().cloned().unwrap());
            fill(&schema, &families, &mut store);
            store
        };
        let store = generated();
        assert_eq!(
            store.rows("User").count(),
            1,
            "a seeded table keeps its rows"
        );
        assert_eq!(store.rows("Supplier").count(), 3);
        let part = store.get("Part", 2).expect("part 2");
        assert_eq!(part["partNumber"], json!("PART-0002"));
        assert_eq!(part["kind"], json!("BOUGHT"));
        assert_eq!(part["createdById"], json!(7));
        assert_eq!(part["supplierId"], json!(2));
        assert!(
            store.get("Supplier", 2).is_some(),
            "the foreign key is a row"
        );
        assert!(!part.contains_key("parentId"), "no self references");
        assert_eq!(
            store.get("Part", 3),
            generated().get("Part", 3),
            "deterministic"
        );
    }
}
