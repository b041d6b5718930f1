//! Generated operations over a schema, for the coverage test: one per root field, required
//! arguments filled with ids of existing rows, scalar fields selected to [`MAX_DEPTH`]
//! (connections' `edges { node }` not counted), and a check that a response has no error
//! and no null non-null field.

use std::collections::BTreeMap;

use apollo_compiler::Schema;
use apollo_compiler::schema::{ExtendedType, FieldDefinition, Type};
use ion_contract::double::IonDouble;
use ion_contract::double::families::{Families, MutationFamily, QueryFamily};
use serde_json::{Value, json};

use super::graphql;

/// How deep generated selections go below the root field (`edges` and `node` not counted).
const MAX_DEPTH: usize = 2;

/// Builds operations for one schema: arguments and selections.
pub(crate) struct Generator<'s> {
    pub(crate) schema: &'s Schema,
    pub(crate) families: &'s Families,
    /// An existing row's id per entity type.
    pub(crate) ids: BTreeMap<String, i64>,
}

impl Generator<'_> {
    /// The selection of a field of type `type_name`, at `depth` below the root field.
    fn selection(&self, type_name: &str, depth: usize) -> String {
        let fields = match self.schema.types.get(type_name) {
            Some(ExtendedType::Object(o)) => &o.fields,
            Some(ExtendedType::Interface(i)) => &i.fields,
            _ => return "__typename".into(),
        };
        let mut out = Vec::new();
        for (name, field) in fields {
            if field.arguments.iter().any(|a| a.is_required()) {
                continue;
            }
            let inner = field.ty.inner_named_type().as_str();
            match self.schema.types.get(inner) {
                Some(ExtendedType::Scalar(_) | ExtendedType::Enum(_)) => out.push(name.to_string()),
                Some(ExtendedType::Union(_)) => out.push(format!("{name} {{ __typename }}")),
                Some(_) => {
                    let below = if matches!(name.as_str(), "edges" | "node") {
                        depth
                    } else {
                        depth + 1
                    };
                    if below <= MAX_DEPTH {
                        out.push(format!("{name} {{ {} }}", self.selection(inner, below)));
                    }
                }
                None => {}
            }
        }
        if out.is_empty() {
            out.push("__typename".into());
        }
        out.join(" ")
    }

    /// An existing row's id of the entity a key names (`partId` → a Part's), else 1.
    fn id_for(&self, key: &str, entity: Option<&str>) -> i64 {
        let named = match key {
            "id" => entity.map(str::to_owned),
            _ => key
                .strip_suffix("Id")
                .and_then(|stem| self.families.entity_named(stem))
                .map(str::to_owned),
        };
        named.and_then(|e| self.ids.get(&e).copied()).unwrap_or(1)
    }

    /// A literal for a required value of type `ty` named `name`.
    fn literal(&self, name: &str, ty: &Type, entity: Option<&str>, etag: &str) -> String {
        if ty.is_list() {
            return format!("[{}]", self.literal(name, ty.item_type(), entity, etag));
        }
        let named = ty.inner_named_type().as_str();
        let id = || self.id_for(name, entity);
        match (named, self.schema.types.get(named)) {
            _ if name == "etag" => format!("{etag:?}"),
            ("ID", _) if name == "id" || name.ends_with("Id") => format!("\"{}\"", id()),
            ("Int", _) if name == "id" || name.ends_with("Id") => id().to_string(),
            ("Int", _) => "1".into(),
            ("Float", _) => "1.0".into(),
            ("Boolean", _) => "false".into(),
            ("DateTime", _) => "\"2026-01-05T09:00:00+00:00\"".into(),
            ("JSONString", _) => "\"{}\"".into(),
            (_, Some(ExtendedType::Enum(e))) => e
                .values
                .keys()
                .next()
                .map_or(String::new(), |v| v.to_string()),
            (_, Some(ExtendedType::InputObject(input))) => {
                let fields: Vec<String> = input
                    .fields
                    .iter()
                    .filter(|(n, f)| f.is_required() || *n == "id" || *n == "etag")
                    .map(|(n, f)| format!("{n}: {}", self.literal(n, &f.ty, entity, etag)))
                    .collect();
                format!("{{{}}}", fields.join(", "))
            }
            _ => format!("\"coverage {name}\""),
        }
    }

    /// `{ field(required args) { selection } }` as `kind` (`query` or `mutation`).
    pub(crate) fn operation(
        &self,
        kind: &str,
        name: &str,
        field: &FieldDefinition,
        entity: Option<&str>,
        etag: &str,
    ) -> String {
        let args: Vec<String> = field
            .arguments
            .iter()
            .filter(|a| {
                a.is_required() || a.name == "etag" || (kind == "mutation" && a.name == "input")
            })
            .map(|a| format!("{}: {}", a.name, self.literal(&a.name, &a.ty, entity, etag)))
            .collect();
        let args = match args.is_empty() {
            true => String::new(),
            false => format!("({})", args.join(", ")),
        };
        let returned = field.ty.inner_named_type().as_str();
        let selection = match self.schema.types.get(returned) {
            Some(ExtendedType::Scalar(_) | ExtendedType::Enum(_)) => String::new(),
            _ => format!(" {{ {} }}", self.selection(returned, 1)),
        };
        format!("{kind} {{ {name}{args}{selection} }}")
    }
}

/// Every null under a non-null field of `value` (of type `type_name`), by path.
fn null_non_nulls(
    schema: &Schema,
    type_name: &str,
    value: &Value,
    path: &str,
    out: &mut Vec<String>,
) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                null_non_nulls(schema, type_name, item, &format!("{path}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let Some(field) = schema.types.get(type_name).and_then(|t| match t {
                    ExtendedType::Object(o) => o.fields.get(key.as_str()).map(|f| &***f),
                    ExtendedType::Interface(i) => i.fields.get(key.as_str()).map(|f| &***f),
                    _ => None,
                }) else {
                    continue;
                };
                let at = format!("{path}.{key}");
                if item.is_null() && field.ty.is_non_null() {
                    out.push(at.clone());
                }
                null_non_nulls(schema, field.ty.inner_named_type(), item, &at, out);
            }
        }
        _ => {}
    }
}

/// Runs `operation`; records its errors and its null non-null fields under `label`.
pub(crate) async fn check(
    double: &IonDouble,
    token: &str,
    schema: &Schema,
    root: &str,
    label: &str,
    operation: &str,
    problems: &mut Vec<String>,
) -> Value {
    let response = graphql(double, token, operation, json!({})).await;
    if let Some(errors) = response.get("errors") {
        problems.push(format!("{label}: {errors}\n    {operation}"));
    }
    let mut nulls = Vec::new();
    null_non_nulls(schema, root, &response["data"], "data", &mut nulls);
    if !nulls.is_empty() {
        problems.push(format!("{label}: null non-null fields {nulls:?}"));
    }
    response
}

/// The current etag of the `entity` row the generator's ids name.
pub(crate) async fn etag_of(
    double: &IonDouble,
    token: &str,
    generator: &Generator<'_>,
    entity: &str,
) -> String {
    let by_id = generator.families.queries().find_map(|(name, family)| {
        matches!(family, QueryFamily::ById { entity: e } if e == entity).then_some(name)
    });
    let (Some(field), Some(id)) = (by_id, generator.ids.get(entity)) else {
        return String::new();
    };
    let response = graphql(
        double,
        token,
        &format!("{{ {field}(id: {id}) {{ _etag }} }}"),
        json!({}),
    )
    .await;
    response["data"][field]["_etag"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// One mutation per served family, deletes last: the first (by name) whose entity and
/// whose required `*Id` inputs name rows of the demo seed; with the entity whose etag it
/// needs.
pub(crate) fn mutation_per_family(
    generator: &Generator<'_>,
) -> Vec<(String, FieldDefinition, Option<String>)> {
    let schema = generator.schema;
    let mutation = schema.get_object("Mutation").expect("a Mutation type");
    let has_rows = |entity: &str| generator.ids.contains_key(entity);
    // The argument names of a mutation and the required fields of its input objects.
    let keys = |field: &FieldDefinition| {
        let mut keys: Vec<String> = field.arguments.iter().map(|a| a.name.to_string()).collect();
        for argument in &field.arguments {
            if let Some(ExtendedType::InputObject(input)) =
                schema.types.get(argument.ty.inner_named_type())
            {
                keys.extend(
                    input
                        .fields
                        .iter()
                        .filter(|(_, f)| f.is_required())
                        .map(|(n, _)| n.to_string()),
                );
            }
        }
        keys
    };
    let ids_exist = |field: &FieldDefinition| {
        keys(field)
            .iter()
            .filter(|k| k.ends_with("Id") && *k != "entityId")
            .all(|key| {
                key.strip_suffix("Id")
                    .and_then(|stem| generator.families.entity_named(stem))
                    .is_some_and(has_rows)
            })
    };
    let mut chosen: BTreeMap<&str, (String, FieldDefinition, Option<String>)> = BTreeMap::new();
    for (name, family) in generator.families.mutations() {
        let entity = match family {
            MutationFamily::Create { .. } | MutationFamily::CreateMany { .. } => {
                if chosen.contains_key(family.name()) || !ids_exist(&mutation.fields[name]) {
                    continue;
                }
                None
            }
            MutationFamily::Update { entity, .. }
            | MutationFamily::UpdateMany { entity, .. }
            | MutationFamily::Transition { entity, .. }
            | MutationFamily::Copy { entity, .. }
            | MutationFamily::Delete { entity } => {
                if !has_rows(entity) || !ids_exist(&mutation.fields[name]) {
                    continue;
                }
                Some(entity.clone())
            }
            MutationFamily::Relation { .. } => {
                let payload = mutation.fields[name].ty.inner_named_type();
                let returned = schema.get_object(payload).and_then(|p| {
                    p.fields
                        .values()
                        .map(|f| f.ty.inner_named_type().to_string())
                        .find(|t| has_rows(t))
                });
                // An `entityId` names a row of any type, which may have no list of the other
                // (`addLabelToItem` on the organization): the generator cannot pick one.
                let field = &mutation.fields[name];
                if !ids_exist(field) || keys(field).iter().any(|k| k == "entityId") {
                    continue;
                }
                returned
            }
            MutationFamily::Special | MutationFamily::Other => continue,
        };
        chosen
            .entry(family.name())
            .or_insert_with(|| (name.to_owned(), (**mutation.fields[name]).clone(), entity));
    }
    let mut ordered: Vec<_> = chosen.into_iter().collect();
    ordered.sort_by_key(|(family, _)| *family == "delete");
    println!(
        "mutations run: {:?}",
        ordered
            .iter()
            .map(|(f, (n, ..))| format!("{f}: {n}"))
            .collect::<Vec<_>>()
    );
    ordered.into_iter().map(|(_, chosen)| chosen).collect()
}
