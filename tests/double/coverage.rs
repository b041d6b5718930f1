//! How much of ION's schema the double serves: its families ([`Families`]) over ION's
//! reference SDL (`../shared/reference/ion-schema/ion-schema.graphql`, skipped with one line
//! when absent) and over the built-in schema, printed as
//! `query fields served: N / 152, mutations served: M / 350` with the counts per family
//! (run `cargo test --test double coverage -- --nocapture` to see them). Then one
//! generated operation per served root query field (scalar fields to depth 2, connections'
//! `edges { node }` not counted; required arguments filled with ids of existing rows) and
//! one per mutation family runs against a double with the reference SDL and the demo seed:
//! none may answer a GraphQL error or a null non-null field.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use apollo_compiler::Schema;
use apollo_compiler::schema::{ExtendedType, FieldDefinition, Type};
use ion_contract::double::families::{Families, MutationFamily, QueryFamily};
use ion_contract::double::{DoubleData, IonDouble};
use serde_json::{Value, json};

use super::{graphql, token};

const REFERENCE: &str = "../shared/reference/ion-schema/ion-schema.graphql";

/// How deep generated selections go below the root field (`edges` and `node` not counted).
const MAX_DEPTH: usize = 2;

fn manifest(relative: &str) -> std::path::PathBuf {
    super::common::manifest_dir().join(relative)
}

/// The double's data with ION's reference SDL and the demo seed, or `None` (one line on
/// stderr) when `../shared` is absent.
fn reference_data() -> Option<Arc<DoubleData>> {
    let path = manifest(REFERENCE);
    if !path.exists() {
        eprintln!("skipped: ION's schema dump is not at {}", path.display());
        return None;
    }
    let data = DoubleData::load(&path, &manifest("suites/seed/demo.yaml"));
    Some(Arc::new(data.unwrap_or_else(|e| {
        panic!("the reference SDL and the demo seed load: {e}")
    })))
}

/// `query fields served: N / T, mutations served: M / U`, then the count per family.
/// Only fields whose names are in `names` (ION's) are counted.
fn figures(families: &Families, totals: (usize, usize), names: &dyn Fn(&str) -> bool) -> String {
    let mut per_family: BTreeMap<String, usize> = BTreeMap::new();
    let mut served = (0, 0);
    let mut other = Vec::new();
    for (name, family) in families.queries().filter(|(n, _)| names(n)) {
        if !family.is_served() {
            other.push(format!("Query.{name}"));
        }
        *per_family
            .entry(format!("query {}", family.name()))
            .or_default() += 1;
        served.0 += usize::from(family.is_served());
    }
    for (name, family) in families.mutations().filter(|(n, _)| names(n)) {
        if !family.is_served() {
            other.push(format!("Mutation.{name}"));
        }
        *per_family
            .entry(format!("mutation {}", family.name()))
            .or_default() += 1;
        served.1 += usize::from(family.is_served());
    }
    let mut out = format!(
        "query fields served: {} / {}, mutations served: {} / {}\n",
        served.0, totals.0, served.1, totals.1
    );
    for (family, count) in per_family {
        let _ = writeln!(out, "  {family}: {count}");
    }
    let _ = writeln!(out, "  not served: {}", other.join(", "));
    out
}

#[test]
fn coverage_of_ions_schema_is_printed_and_every_crud_family_is_served() {
    let Some(data) = reference_data() else {
        return;
    };
    let families = data.families();
    let totals = (families.queries().count(), families.mutations().count());
    let reference = figures(families, totals, &|_| true);
    println!("ION's reference schema: {reference}");
    for (name, family) in families.mutations() {
        let crud = ["create", "update", "delete"].iter().any(|verb| {
            name.strip_prefix(verb)
                .is_some_and(|rest| families.entity_named(rest).is_some())
        });
        assert!(!crud || family.is_served(), "Mutation.{name} is {family:?}");
    }
    // The survey of ION's SDL: 84 connections, 59 `x(id)` lookups, 4 composite keys.
    let count = |wanted: &str| {
        families
            .queries()
            .filter(|(_, f)| f.name() == wanted)
            .count()
    };
    assert_eq!(count("connection"), 84);
    assert_eq!(count("by-id"), 59);
    assert_eq!(count("composite-key"), 4);

    let built_in = ion_contract::double::DoubleData::load(
        &manifest("suites/schema/ion.graphql"),
        &manifest("suites/seed/demo.yaml"),
    )
    .expect("the built-in schema loads");
    let ions = |name: &str, root: &str| {
        data.schema()
            .get_object(root)
            .is_some_and(|o| o.fields.contains_key(name))
    };
    let built_in = figures(built_in.families(), totals, &|n| {
        ions(n, "Query") || ions(n, "Mutation")
    });
    println!("built-in schema, of ION's names: {built_in}");
    // The README gives both headlines; it must say what the double serves.
    let readme = std::fs::read_to_string(manifest("README.md")).expect("the README");
    let readme = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    for (schema, printed) in [("built-in", &built_in), ("reference", &reference)] {
        let headline = printed.lines().next().unwrap_or_default();
        assert!(
            readme.contains(headline),
            "the README's section \"The ION double\" gives other figures for the {schema} \
             schema; write `{headline}` there"
        );
    }
}

/// Builds operations for one schema: arguments and selections.
struct Generator<'s> {
    schema: &'s Schema,
    families: &'s Families,
    /// An existing row's id per entity type.
    ids: BTreeMap<String, i64>,
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
    fn operation(
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
            .filter(|a| a.is_required() || a.name == "etag")
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
async fn check(
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

#[tokio::test]
async fn every_served_root_field_of_ions_schema_runs_without_errors_or_null_non_nulls() {
    let Some(data) = reference_data() else {
        return;
    };
    let double = IonDouble::start(Arc::clone(&data)).await;
    let token = token(&double).await;
    let schema: &Schema = data.schema();
    let families = data.families();
    let query = schema.get_object("Query").expect("a Query type");
    let mut generator = Generator {
        schema,
        families,
        ids: BTreeMap::new(),
    };
    for (name, family) in families.queries() {
        if let QueryFamily::Connection { node } = family {
            let body = format!("{{ {name} {{ edges {{ node {{ id }} }} }} }}");
            let response = graphql(&double, &token, &body, json!({})).await;
            let first = &response["data"][name]["edges"][0]["node"]["id"];
            if let Some(id) = first
                .as_str()
                .and_then(|s| s.parse().ok())
                .or(first.as_i64())
            {
                generator.ids.entry(node.clone()).or_insert(id);
            }
        }
    }
    assert!(
        generator.ids.contains_key("Part"),
        "the demo seed's parts are listed: {:?}",
        generator.ids
    );

    let mut problems = Vec::new();
    let mut ran = 0;
    for (name, family) in families.queries().filter(|(_, f)| f.is_served()) {
        let entity = match family {
            QueryFamily::ById { entity } | QueryFamily::CompositeKey { entity } => {
                Some(entity.as_str())
            }
            _ => None,
        };
        let operation = generator.operation("query", name, &query.fields[name], entity, "");
        check(
            &double,
            &token,
            schema,
            "Query",
            &format!("Query.{name}"),
            &operation,
            &mut problems,
        )
        .await;
        ran += 1;
    }
    println!("ran {ran} generated queries against ION's reference schema");
    ran = 0;
    for (name, field, entity) in mutation_per_family(&generator) {
        let etag = match entity.as_deref() {
            Some(entity) => etag_of(&double, &token, &generator, entity).await,
            None => String::new(),
        };
        let operation = generator.operation("mutation", &name, &field, entity.as_deref(), &etag);
        check(
            &double,
            &token,
            schema,
            "Mutation",
            &format!("Mutation.{name}"),
            &operation,
            &mut problems,
        )
        .await;
        ran += 1;
    }
    println!("ran {ran} generated mutations, one per family");
    assert!(ran >= 8, "one mutation per served family");
    assert!(
        problems.is_empty(),
        "{} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

/// The current etag of the `entity` row the generator's ids name.
async fn etag_of(
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
fn mutation_per_family(
    generator: &Generator<'_>,
) -> Vec<(String, FieldDefinition, Option<String>)> {
    let schema = generator.schema;
    let mutation = schema.get_object("Mutation").expect("a Mutation type");
    let has_rows = |entity: &str| generator.ids.contains_key(entity);
    let ids_exist = |field: &FieldDefinition| {
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
        keys.iter()
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
                if !ids_exist(&mutation.fields[name]) {
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

#[tokio::test]
async fn entities_without_seed_rows_are_tables_and_relations_link_rows() {
    let Some(data) = reference_data() else {
        return;
    };
    let double = IonDouble::start(data).await;
    let token = token(&double).await;
    let run = |query: &'static str, variables: Value| {
        let (double, token) = (&double, &token);
        async move { graphql(double, token, query, variables).await }
    };

    let absent = run("{ team(id: 999) { id } currency(id: 1) { id } }", json!({})).await;
    assert_eq!(absent, json!({"data": {"team": null, "currency": null}}));

    let team = run(
        "mutation { createTeam(input: {name: \"Line 2\"}) { team { id name createdById updatedById } } }",
        json!({}),
    )
    .await;
    let team = &team["data"]["createTeam"]["team"];
    assert_eq!(
        team["createdById"],
        json!(1),
        "the caller, the seed's `me`: {team}"
    );
    assert_eq!(team["updatedById"], json!(1));
    let role = run(
        "mutation { createRole(input: {name: \"Inspector\"}) { role { id } } }",
        json!({}),
    )
    .await;
    let ids = json!({"team": team["id"], "role": role["data"]["createRole"]["role"]["id"]});
    let roles_of_team = "query($team: ID!) { team(id: $team) { roles { id } } }";

    let attach = "mutation($team: Int!, $role: Int!) { \
        attachRoleToTeam(input: {teamId: $team, roleId: $role}) { teamId roleId } }";
    let attached = run(attach, ids.clone()).await;
    assert_eq!(
        attached["data"]["attachRoleToTeam"],
        json!({"teamId": ids["team"], "roleId": ids["role"]}),
        "{attached}"
    );
    let read = run(roles_of_team, json!({"team": ids["team"]})).await;
    assert_eq!(read["data"]["team"]["roles"], json!([{"id": ids["role"]}]));

    let detach = "mutation($team: Int!, $role: Int!) { \
        detachRoleFromTeam(input: {teamId: $team, roleId: $role}) { teamId } }";
    run(detach, ids.clone()).await;
    let read = run(roles_of_team, json!({"team": ids["team"]})).await;
    assert_eq!(read["data"]["team"]["roles"], json!([]));

    let linked = run(
        "mutation { createPartProcedure(input: {partId: 1, procedureId: 1}) { partProcedure { partId } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        linked["data"]["createPartProcedure"]["partProcedure"]["partId"],
        json!(1),
        "{linked}"
    );
    let found = run(
        "{ partProcedure(partId: 1, procedureId: 1) { procedureId required } }",
        json!({}),
    )
    .await;
    assert_eq!(
        found["data"]["partProcedure"],
        json!({"procedureId": 1, "required": false}),
        "found by its two ids; `required` (Boolean!) defaults to false"
    );
    let missing = run(
        "{ partProcedure(partId: 1, procedureId: 2) { procedureId } }",
        json!({}),
    )
    .await;
    assert_eq!(missing["data"]["partProcedure"], Value::Null);

    let unserved = run("{ scanBarcode(barcode: \"X\") { __typename } }", json!({})).await;
    let errors = unserved["errors"].as_array().expect("an error");
    assert_eq!(errors.len(), 1, "{unserved}");
    let message = errors[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("the ION double does not serve Query.scanBarcode (family: other)"),
        "{message}"
    );
}
