//! The suite format as a JSON Schema (draft 2020-12), for editors: `suites/suite.schema.json`.
//!
//! The schema is derived with schemars from the serde types of [`super::format`], whose doc
//! comments become its descriptions. It says what the loader accepts, as far as a JSON
//! Schema can:
//!
//! - every key, which are required, and `additionalProperties: false` (`deny_unknown_fields`);
//! - a [`Spanned<T>`] is described as `T`; a spanned `String` takes any YAML scalar, because
//!   serde-saphyr reads `name: 2024` as the text `"2024"`;
//! - a [`Node`] is any value, [`Entries<V>`] an object of `V`s;
//! - no key takes `null`: an `Option` only means the key may be left out (the loader refuses
//!   `key: ~`), so the `null` schemars allows for every `Option` is taken back ([`never_null`]);
//! - the rules the loader checks exactly are written into the schema (attributes in
//!   `format`): enums, number ranges, name patterns, "`query` or `document`", non-empty lists.
//!
//! What needs more than the file (GraphQL validity, JSONPaths, templates, target names) is
//! only checked by the loader.

use std::any::TypeId;
use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::transform::transform_subschemas;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::Value;

use crate::suite::format::{
    Entries, ErrorMatcherSpec, ErrorsSpec, Node, SnapshotSpec, Spanned, SuiteFile,
};

/// The JSON Schema of a suite file: pretty-printed JSON with a trailing newline, the text of
/// `suites/suite.schema.json` (`ion-contract schema suite-format` prints it).
pub fn json_schema() -> String {
    let schema = SchemaSettings::draft2020_12()
        .with_transform(never_null)
        .into_generator()
        .into_root_schema_for::<SuiteFile>();
    // `Schema`'s own `Serialize` puts `$schema`, `title` and `description` first. Writing JSON
    // to a string cannot fail.
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

impl<T: JsonSchema + 'static> JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        // serde-saphyr reads any YAML scalar into a `String`: `name: 2024` is the text "2024".
        if TypeId::of::<T>() == TypeId::of::<String>() {
            return json_schema!({"type": ["string", "number", "boolean"]});
        }
        T::json_schema(generator)
    }
}

impl<V: JsonSchema> JsonSchema for Entries<V> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Entries_of_{}", V::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "additionalProperties": generator.subschema_for::<V>(),
        })
    }
}

impl JsonSchema for ErrorsSpec {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Errors".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "oneOf": [
                {
                    "enum": ["none", "any"],
                    "description": "`none`: no GraphQL errors (the default); `any`: at least one",
                },
                {
                    "type": "array",
                    "items": generator.subschema_for::<ErrorMatcherSpec>(),
                    "minItems": 1,
                    "description": "every listed error is in the response",
                },
            ]
        })
    }
}

/// `JsonSchema` for a type whose schema is inline and fixed.
macro_rules! fixed_schema {
    ($ty:ty, $name:literal, $schema:expr) => {
        impl JsonSchema for $ty {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> Cow<'static, str> {
                $name.into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                $schema
            }
        }
    };
}

fixed_schema!(Node, "AnyValue", Schema::from(true));

fixed_schema!(
    SnapshotSpec,
    "Snapshot",
    json_schema!({
        "oneOf": [
            {
                "type": "boolean",
                "description": "`true`: snapshot under the step's name",
            },
            {
                "type": "string",
                "minLength": 1,
                "description": "snapshot under this key",
            },
        ]
    })
);

/// Schema-only stand-in for a [`Node`] the loader reads as a whole number.
pub(crate) struct Integer;

fixed_schema!(Integer, "Integer", json_schema!({"type": "integer"}));

/// Schema-only stand-in for a [`Node`] the loader reads as any number.
pub(crate) struct Decimal;

fixed_schema!(Decimal, "Number", json_schema!({"type": "number"}));

/// Takes back the `null` schemars allows for every `Option` (in `type`, `enum` or an
/// `anyOf` branch), in every subschema: no key of a suite file takes `null`. Free-form
/// values ([`Node`], `true`) still take anything.
fn never_null(schema: &mut Schema) {
    transform_subschemas(&mut never_null, schema);
    if let Some(Value::Array(types)) = schema.get_mut("type") {
        types.retain(|t| t != "null");
        if let [only] = types.as_mut_slice() {
            let only = only.take();
            schema.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(values)) = schema.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    if let Some(Value::Array(branches)) = schema.get_mut("anyOf") {
        branches.retain(|b| b != &serde_json::json!({"type": "null"}));
        if let [only] = branches.as_mut_slice()
            && let Value::Object(only) = only.take()
        {
            schema.remove("anyOf");
            for (key, value) in only {
                if schema.get(&key).is_none() {
                    schema.insert(key, value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::format_keys::Ctx;

    /// The schema of one kind of mapping: the root for the suite, else its `$defs` entry
    /// (named like the `Ctx` variant).
    fn mapping(schema: &Value, ctx: Ctx) -> &Value {
        match ctx {
            Ctx::Suite => schema,
            _ => &schema["$defs"][format!("{ctx:?}")],
        }
    }

    #[test]
    fn keys_and_required_keys_match_the_key_table() {
        let schema: Value = serde_json::from_str(&json_schema()).expect("JSON");
        for ctx in Ctx::ALL {
            let def = mapping(&schema, ctx);
            let keys: Vec<&str> = def["properties"]
                .as_object()
                .map(|p| p.keys().map(String::as_str).collect())
                .unwrap_or_default();
            assert_eq!(keys, ctx.key_names(), "keys {}", ctx.describe());
            let required: Vec<&str> = def["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let expected: Vec<&str> = ctx
                .keys()
                .iter()
                .filter(|k| k.required)
                .map(|k| k.name)
                .collect();
            assert_eq!(required, expected, "required keys {}", ctx.describe());
            assert_eq!(def["additionalProperties"], false, "{}", ctx.describe());
        }
    }

    /// Whether any (sub)schema in `v` lets `null` through by `type` or `enum`.
    fn allows_null(v: &Value) -> bool {
        match v {
            Value::Object(o) => {
                let by_type = match o.get("type") {
                    Some(Value::Array(types)) => types.iter().any(|t| t == "null"),
                    Some(t) => t == "null",
                    None => false,
                };
                let by_enum = o
                    .get("enum")
                    .and_then(Value::as_array)
                    .is_some_and(|e| e.contains(&Value::Null));
                by_type || by_enum || o.values().any(allows_null)
            }
            Value::Array(items) => items.iter().any(allows_null),
            _ => false,
        }
    }

    #[test]
    fn no_key_takes_null() {
        let schema: Value = serde_json::from_str(&json_schema()).expect("JSON");
        assert!(!allows_null(&schema), "{schema:#}");
    }
}
