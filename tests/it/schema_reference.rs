//! The double's schema subset against ION's real schema, and its seed data against the subset.
//!
//! `suites/schema/ion.graphql` is written by hand. Suites are validated against it, so a name
//! that ION does not have, or a type that differs from ION's (`Int` for `Int!`, `Part` for
//! `[Part]`), would let a suite pass on the double and fail on a real tenant. These tests
//! check, name for name, that every type, field, argument, input field and enum value of the
//! subset exists in ION's public schema dump with the identical type. The subset may omit
//! anything. The dump is read from `../shared/reference/ion-schema/ion-schema.graphql` (never
//! copied into the project); without it those tests say so on stderr and pass.
//!
//! `seed_rows_fit_the_schema` checks `suites/seed/demo.yaml`: tables are entity types, row
//! keys are their fields, values fit, ids are unique and every reference resolves. The double
//! checks this too when it loads; here each problem is named precisely. An entity type with
//! no table in the seed is fine: the double generates its rows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use apollo_compiler::Schema;
use apollo_compiler::collections::IndexMap;
use apollo_compiler::schema::{Component, ExtendedType, FieldDefinition, Name, ObjectType, Type};
use serde_json::{Map, Value};

const SUBSET: &str = "suites/schema/ion.graphql";
const SEED: &str = "suites/seed/demo.yaml";
const REFERENCE: &str = "../shared/reference/ion-schema/ion-schema.graphql";
/// Columns the double fills in; seed rows must not carry them.
const GENERATED: [&str; 4] = ["_etag", "_created", "_updated", "entityId"];
/// Non-null columns the double answers at read time when a row has none (the seed's `me`).
const READ_TIME: [&str; 2] = ["createdById", "updatedById"];

fn manifest_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn subset() -> Schema {
    let path = manifest_path(SUBSET);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {SUBSET}: {e}"));
    match Schema::parse_and_validate(text, &path) {
        Ok(schema) => schema.into_inner(),
        Err(invalid) => panic!(
            "{SUBSET} is not a valid GraphQL schema:\n{}",
            invalid.errors
        ),
    }
}

/// ION's schema dump, or `None` (with a note on stderr) when `../shared` is not there.
fn reference() -> Option<Schema> {
    let path = manifest_path(REFERENCE);
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "skipped: ION's schema dump is not at {} (it lives outside the repository; CI has it)",
            path.display()
        );
        return None;
    };
    // A server's dump validates; if a future one does not, its definitions still serve.
    Some(match Schema::parse_and_validate(text, &path) {
        Ok(schema) => schema.into_inner(),
        Err(invalid) => invalid.partial,
    })
}

fn kind(ty: &ExtendedType) -> &'static str {
    match ty {
        ExtendedType::Scalar(_) => "scalar",
        ExtendedType::Object(_) => "type",
        ExtendedType::Interface(_) => "interface",
        ExtendedType::Union(_) => "union",
        ExtendedType::Enum(_) => "enum",
        ExtendedType::InputObject(_) => "input",
    }
}

type Fields = IndexMap<Name, Component<FieldDefinition>>;

fn fields(ty: &ExtendedType) -> Option<&Fields> {
    match ty {
        ExtendedType::Object(o) => Some(&o.fields),
        ExtendedType::Interface(i) => Some(&i.fields),
        _ => None,
    }
}

/// Records a problem unless ION has `at` with exactly the type `ours`.
fn same_type(out: &mut Vec<String>, at: String, ours: &Type, theirs: Option<&Type>, what: &str) {
    match theirs {
        None => out.push(format!(
            "{at}: ION has no such {what}; use ION's name or remove it"
        )),
        Some(theirs) if theirs != ours => out.push(format!(
            "{at}: is `{ours}` here but `{theirs}` in ION; write `{theirs}`"
        )),
        Some(_) => {}
    }
}

/// Everything in `subset` that `reference` lacks or types differently, as sorted
/// `Coordinate: problem` lines. Omissions are fine.
fn mismatches(subset: &Schema, reference: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for (name, ours) in subset.types.iter().filter(|(_, t)| !t.is_built_in()) {
        let Some(theirs) = reference.types.get(name) else {
            out.push(format!(
                "{name}: ION has no type named {name}; use ION's name"
            ));
            continue;
        };
        if kind(ours) != kind(theirs) {
            let (a, b) = (kind(ours), kind(theirs));
            out.push(format!("{name}: is a `{a}` here but a `{b}` in ION"));
            continue;
        }
        if let (Some(our_fields), Some(their_fields)) = (fields(ours), fields(theirs)) {
            for (field, def) in our_fields {
                let theirs = their_fields.get(field);
                let at = format!("{name}.{field}");
                same_type(&mut out, at, &def.ty, theirs.map(|f| &f.ty), "field");
                let Some(theirs) = theirs else { continue };
                for arg in &def.arguments {
                    let their_arg = theirs.arguments.iter().find(|a| a.name == arg.name);
                    let at = format!("{name}.{field}({}:)", arg.name);
                    same_type(&mut out, at, &arg.ty, their_arg.map(|a| &*a.ty), "argument");
                }
            }
        }
        match (ours, theirs) {
            (ExtendedType::InputObject(o), ExtendedType::InputObject(t)) => {
                for (field, def) in &o.fields {
                    let theirs = t.fields.get(field).map(|f| &*f.ty);
                    let at = format!("{name}.{field}");
                    same_type(&mut out, at, &def.ty, theirs, "input field");
                }
            }
            (ExtendedType::Enum(o), ExtendedType::Enum(t)) => {
                for value in o.values.keys().filter(|v| !t.values.contains_key(*v)) {
                    out.push(format!(
                        "{name}.{value}: ION's enum {name} has no such value"
                    ));
                }
            }
            _ => {}
        }
    }
    out.sort();
    out
}

#[test]
fn subset_parses_and_validates() {
    let schema = subset();
    for root in ["Query", "Mutation"] {
        assert!(
            schema.types.contains_key(root),
            "{SUBSET} has no {root} type"
        );
    }
}

#[test]
fn every_name_in_the_subset_is_real_ion() {
    let Some(reference) = reference() else { return };
    let problems = mismatches(&subset(), &reference);
    assert!(
        problems.is_empty(),
        "{SUBSET} differs from ION's schema ({REFERENCE}) in {} place(s):\n  {}\n\
         Look each name up in the dump and copy its exact type, or remove it.",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn the_checker_reports_invented_names_and_wrong_types() {
    let Some(reference) = reference() else { return };
    let sdl = "type Query { part(id: Int!): Part }
        type Part { id: String partNumber: String! madeUp: Int }
        enum Parttypeenum { PART GADGET }
        input Nonexistent { x: Int }";
    let wrong = Schema::parse_and_validate(sdl, "wrong.graphql").expect("valid inline SDL");
    let found = mismatches(&wrong, &reference);
    let at: Vec<&str> = found.iter().filter_map(|m| m.split(':').next()).collect();
    let expected = [
        "Nonexistent",
        "Part.id",
        "Part.madeUp",
        "Parttypeenum.GADGET",
        "Query.part(id",
    ];
    assert_eq!(at, expected, "unexpected report:\n{}", found.join("\n"));
    let says = |text: &str| found.iter().any(|m| m.contains(text));
    assert!(says("`String` here but `Int!` in ION"), "{found:#?}");
    assert!(says("`Int!` here but `ID!` in ION"), "{found:#?}");
}

/// Object types that are stored entities: they have an `id`, and are not roots, payloads
/// (returned by a mutation), connections, edges or page info.
fn entity_types(schema: &Schema) -> BTreeMap<String, ObjectType> {
    let mutations = schema.get_object("Mutation").map(|m| m.fields.values());
    let payloads: BTreeSet<_> = mutations
        .into_iter()
        .flatten()
        .map(|f| f.ty.inner_named_type())
        .collect();
    let plumbing = |n: &str| n.ends_with("Connection") || n.ends_with("Edge") || n == "IonPageInfo";
    let skip = |n: &Name| {
        ["Query", "Mutation"].contains(&n.as_str()) || payloads.contains(n) || plumbing(n)
    };
    let mut entities = BTreeMap::new();
    for (name, ty) in &schema.types {
        if let ExtendedType::Object(o) = ty
            && o.fields.contains_key("id")
            && !skip(name)
        {
            entities.insert(name.to_string(), (**o).clone());
        }
    }
    entities
}

/// Whether a seed value fits a field type (`null` only where nullable).
fn fits(schema: &Schema, ty: &Type, value: &Value) -> bool {
    match (ty, value) {
        (_, Value::Null) => !ty.is_non_null(),
        (Type::List(item) | Type::NonNullList(item), Value::Array(items)) => {
            items.iter().all(|v| fits(schema, item, v))
        }
        (Type::List(_) | Type::NonNullList(_), _) => false,
        _ => match (ty.inner_named_type().as_str(), value) {
            ("Int", Value::Number(n)) => n.is_i64(),
            // The double serves a value as written, and `1` is not a Float: write `1.0`.
            ("Float", Value::Number(n)) => n.is_f64(),
            ("String" | "DateTime", Value::String(_)) | ("Boolean", Value::Bool(_)) => true,
            ("ID", Value::Number(_) | Value::String(_)) => true,
            (named, Value::String(s)) => matches!(schema.types.get(named),
                Some(ExtendedType::Enum(e)) if e.values.contains_key(s.as_str())),
            // A relation given as an id (`children: [2, 3]`).
            (named, Value::Number(n)) => n.is_i64() && schema.get_object(named).is_some(),
            _ => false,
        },
    }
}

/// The problems of one seed row of `table`; `ids` holds every table's ids.
fn check_row(
    schema: &Schema,
    entities: &BTreeMap<String, ObjectType>,
    ids: &BTreeMap<&str, BTreeSet<i64>>,
    (table, columns): (&str, &Map<String, Value>),
    out: &mut Vec<String>,
) {
    let ty = &entities[table];
    let at = format!("{table} {}", columns.get("id").unwrap_or(&Value::Null));
    for (key, value) in columns {
        let Some(field) = ty.fields.get(key.as_str()) else {
            out.push(format!("{at}: {table} has no field `{key}` in {SUBSET}"));
            continue;
        };
        if GENERATED.contains(&key.as_str()) {
            out.push(format!("{at}: `{key}` is set by the double; remove it"));
        } else if !fits(schema, &field.ty, value) {
            let ty = &field.ty;
            let float = ty.inner_named_type() == "Float";
            let hint = if float { " (write a Float as 1.0)" } else { "" };
            out.push(format!("{at}: `{key}: {value}` does not fit `{ty}`{hint}"));
        }
        // `partId` refers through the field `part`; a list of ids through the list field.
        let (relation, targets) = match key.strip_suffix("Id").and_then(|s| ty.fields.get(s)) {
            Some(relation) => (relation, vec![value.clone()]),
            None => (field, value.as_array().cloned().unwrap_or_default()),
        };
        let target = relation.ty.inner_named_type().as_str();
        if !entities.contains_key(target) {
            continue;
        }
        for id in targets.iter().filter(|v| !v.is_null()) {
            let known = ids
                .get(target)
                .is_some_and(|t| id.as_i64().is_some_and(|i| t.contains(&i)));
            if !known {
                out.push(format!(
                    "{at}: `{key}` points at {target} {id}: no such row"
                ));
            }
        }
    }
    for (name, field) in &ty.fields {
        let leaf =
            !field.ty.is_list() && !entities.contains_key(field.ty.inner_named_type().as_str());
        let generated = GENERATED.contains(&name.as_str()) || READ_TIME.contains(&name.as_str());
        if field.ty.is_non_null() && leaf && !generated && !columns.contains_key(name.as_str()) {
            out.push(format!("{at}: lacks `{name}`, which is `{}`", field.ty));
        }
    }
}

#[test]
fn seed_rows_fit_the_schema() {
    let schema = subset();
    let text = std::fs::read_to_string(manifest_path(SEED)).expect("read the seed file");
    let seed: Value = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{SEED}: {e}"));
    let Value::Object(top) = seed else {
        panic!("{SEED} must be a mapping of `me`, `defaults` and tables")
    };
    let entities = entity_types(&schema);
    let mut problems = Vec::new();
    let mut ids: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    let mut rows = Vec::new();
    let tables = top
        .iter()
        .filter(|(k, _)| !["me", "defaults"].contains(&k.as_str()));
    for (table, value) in tables {
        if !entities.contains_key(table) {
            problems.push(format!("{table}: not an entity type of {SUBSET}"));
            continue;
        }
        let Value::Array(list) = value else {
            problems.push(format!("{table}: must be a list of rows (or `[]`)"));
            continue;
        };
        for row in list {
            let Value::Object(columns) = row else {
                problems.push(format!("{table}: row {row} is not a mapping"));
                continue;
            };
            match row["id"].as_i64() {
                Some(id) if id > 0 && ids.entry(table).or_default().insert(id) => {}
                Some(id) if id > 0 => problems.push(format!("{table}: id {id} is used twice")),
                _ => problems.push(format!("{table}: id {} is not positive", row["id"])),
            }
            rows.push((table.as_str(), columns));
        }
    }
    for row in rows {
        check_row(&schema, &entities, &ids, row, &mut problems);
    }
    match top.get("me").and_then(Value::as_i64) {
        Some(me) if ids.get("User").is_some_and(|u| u.contains(&me)) => {}
        _ => problems.push(format!("me: {:?} is not a User's id", top.get("me"))),
    }
    let defaults = top.get("defaults").and_then(Value::as_object);
    for (table, columns) in defaults.into_iter().flatten() {
        let Some(ty) = entities.get(table) else {
            problems.push(format!("defaults.{table}: not an entity type of {SUBSET}"));
            continue;
        };
        for (key, value) in columns.as_object().into_iter().flatten() {
            match ty.fields.get(key.as_str()) {
                Some(f) if fits(&schema, &f.ty, value) => {}
                Some(f) => problems.push(format!(
                    "defaults.{table}.{key}: {value} does not fit `{}`",
                    f.ty
                )),
                None => problems.push(format!("defaults.{table}.{key}: {table} has no such field")),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{SEED} does not fit {SUBSET}:\n  {}",
        problems.join("\n  ")
    );
}
