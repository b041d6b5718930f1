//! How much of ION's schema the double serves: its families ([`Families`]) over ION's
//! reference SDL (`../shared/reference/ion-schema/ion-schema.graphql`, skipped with one line
//! when absent) and over the built-in schema, printed as
//! `query fields served: N / 152, mutations served: M / 350` with the counts per family
//! (run `cargo test --test it double::coverage -- --nocapture` to see them). Then one
//! generated operation per served root query field (scalar fields to depth 2, connections'
//! `edges { node }` not counted; required arguments filled with ids of existing rows) and
//! one per mutation family runs against a double with the reference SDL and the demo seed,
//! and against one with the built-in schema (which must declare only served fields): none
//! may answer a GraphQL error or a null non-null field.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use apollo_compiler::Schema;
use ion_contract::double::families::{Families, QueryFamily};
use ion_contract::double::{DoubleData, IonDouble};
use serde_json::{Value, json};

use super::operations::{Generator, check, etag_of, mutation_per_family};
use super::{graphql, token};

const REFERENCE: &str = "../shared/reference/ion-schema/ion-schema.graphql";

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
    // The guide gives both headlines; it must say what the double serves.
    let chapter = "docs/src/double-schema.md";
    let guide = std::fs::read_to_string(manifest(chapter)).expect("the guide's chapter");
    let guide = guide.split_whitespace().collect::<Vec<_>>().join(" ");
    for (schema, printed) in [("built-in", &built_in), ("reference", &reference)] {
        let headline = printed.lines().next().unwrap_or_default();
        assert!(
            guide.contains(headline),
            "{chapter} gives other figures for the {schema} schema; write `{headline}` there"
        );
    }
}

#[tokio::test]
async fn every_served_root_field_of_ions_schema_runs_without_errors_or_null_non_nulls() {
    let Some(data) = reference_data() else {
        return;
    };
    every_served_root_field_runs(data, "ION's reference schema", 90, 8).await;
}

#[tokio::test]
async fn every_root_field_of_the_built_in_schema_runs_without_errors_or_null_non_nulls() {
    let data = DoubleData::load(
        &manifest("suites/schema/ion.graphql"),
        &manifest("suites/seed/demo.yaml"),
    )
    .expect("the built-in schema and the demo seed load");
    let data = Arc::new(data);
    let families = data.families();
    let other: Vec<&str> = (families.queries().map(|(n, f)| (n, f.is_served())))
        .chain(families.mutations().map(|(n, f)| (n, f.is_served())))
        .filter_map(|(name, served)| (!served).then_some(name))
        .collect();
    assert!(
        other.is_empty(),
        "the built-in schema declares only what the double serves: {other:?}"
    );
    // The webhook tables start empty; every other list has rows.
    every_served_root_field_runs(data, "the built-in schema", 80, 5).await;
}

/// Runs one generated operation per served root query field and per mutation family of
/// `data`'s schema against a double of it, and fails on any problem, or when fewer than
/// `min_listed_percent` of its connections list a row, or fewer than `mutation_families`
/// families have a mutation run.
async fn every_served_root_field_runs(
    data: Arc<DoubleData>,
    schema_name: &str,
    min_listed_percent: usize,
    mutation_families: usize,
) {
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
    // The demo data: the hand-written seed, and generated rows for every other entity type.
    let (mut lists, mut with_rows) = (0, 0);
    for (name, family) in families.queries() {
        if let QueryFamily::Connection { node } = family {
            let has_id = schema
                .get_object(node)
                .is_some_and(|o| o.fields.contains_key("id"));
            let select = if has_id { "id" } else { "__typename" };
            let body = format!("{{ {name} {{ edges {{ node {{ {select} }} }} }} }}");
            let response = graphql(&double, &token, &body, json!({})).await;
            let edges = response["data"][name]["edges"].as_array().cloned();
            lists += 1;
            with_rows += usize::from(edges.is_some_and(|e| !e.is_empty()));
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
    println!("{with_rows} of {lists} connections list at least one row of the demo data");
    assert!(
        with_rows * 100 >= lists * min_listed_percent,
        "at least {min_listed_percent}% of the connections have rows: {with_rows} of {lists}"
    );
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
    println!("ran {ran} generated queries against {schema_name}");
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
    assert!(ran >= mutation_families, "one mutation per served family");
    assert!(
        problems.is_empty(),
        "{} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
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

    let absent = run(
        "{ team(id: 999) { id } currency(id: 999) { id } }",
        json!({}),
    )
    .await;
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

    let etag = run("{ run(id: 1) { _etag status } }", json!({})).await;
    assert_ne!(etag["data"]["run"]["status"], json!("CANCELED"), "{etag}");
    let cancel =
        "mutation($etag: String!) { cancelRun(input: {id: 1, etag: $etag}) { run { status } } }";
    let cancelled = run(cancel, json!({"etag": etag["data"]["run"]["_etag"]})).await;
    assert_eq!(
        cancelled["data"]["cancelRun"]["run"]["status"],
        json!("CANCELED"),
        "a transition sets the status its verb names: {cancelled}"
    );

    let unserved = run("{ scanBarcode(barcode: \"X\") { __typename } }", json!({})).await;
    let errors = unserved["errors"].as_array().expect("an error");
    assert_eq!(errors.len(), 1, "{unserved}");
    let message = errors[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("the ION double does not serve Query.scanBarcode (family: other)"),
        "{message}"
    );
}
