//! The uniqueness ION enforces on creates: a part number is unique per revision (ION's
//! facts: "Partnumber uniqueness is per revision"), so `createPart` with a `partNumber` and
//! `revision` (given, or the seed's default revision) that a part already has is refused.
//!
//! ION's exact text is not public; its importers look for `not unique` in the message of a
//! unique-constraint violation, so the double's message contains `not unique` and names the
//! fields and values: `partNumber and revision are not unique: a Part with partNumber
//! 'PN-1001' and revision 'A' already exists.` (HTTP 200, `data.createPart` null, as any
//! resolver error.) Updates are not checked.

use serde_json::Value;

use super::store::{Row, Store};

/// Each table's unique column sets.
const UNIQUE: &[(&str, &[&str])] = &[("Part", &["partNumber", "revision"])];

/// `Err` with ION's message when inserting `columns` into `entity` would repeat the values of
/// one of its unique column sets.
pub(crate) fn check_create(store: &Store, entity: &str, columns: &Row) -> Result<(), String> {
    let defaults = store.defaults(entity);
    let value = |column: &str| {
        columns
            .get(column)
            .filter(|v| !v.is_null())
            .or_else(|| defaults.and_then(|d| d.get(column)))
            .cloned()
            .unwrap_or(Value::Null)
    };
    for (table, set) in UNIQUE.iter().filter(|(table, _)| *table == entity) {
        let wanted: Vec<Value> = set.iter().map(|c| value(c)).collect();
        if wanted.iter().any(Value::is_null) {
            continue;
        }
        let taken = store
            .rows(table)
            .any(|row| set.iter().zip(&wanted).all(|(c, v)| row.get(*c) == Some(v)));
        if taken {
            let values: Vec<String> = set
                .iter()
                .zip(&wanted)
                .map(|(c, v)| format!("{c} {}", quote(v)))
                .collect();
            return Err(format!(
                "{} are not unique: a {table} with {} already exists.",
                set.join(" and "),
                values.join(" and ")
            ));
        }
    }
    Ok(())
}

/// `'PN-1001'` for a string, the JSON text otherwise.
fn quote(value: &Value) -> String {
    match value {
        Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}
