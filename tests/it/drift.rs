//! Schema drift end to end: the double's introspection read back as the committed schema,
//! `POST /__double/schema` imitating an ION release on `ion-contract serve`, and
//! `ion-contract schema pull` / `schema diff` as a user runs them (exit codes 0, 2, 3, 4).

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use apollo_compiler::Schema;
use apollo_compiler::schema::ExtendedType;
use ion_contract::client::DoubleClients;
use ion_contract::client::{GraphqlRequest, http_client};
use ion_contract::double::IonDouble;
use ion_contract::drift::introspect::introspect;
use ion_contract::drift::schema::diff;
use reqwest::Method;
use serde_json::{Map, Value};

use common::serve::Serve;
use common::{Scratch, double_data, ion_contract, manifest_dir, output, stderr, stdout};

const SANDBOX_API: &str = "ION_SANDBOX_API_URL";

fn committed_text() -> String {
    std::fs::read_to_string(manifest_dir().join("suites/schema/ion.graphql")).unwrap()
}

fn parse(text: &str) -> Schema {
    match Schema::parse_and_validate(text, "drift-test.graphql") {
        Ok(schema) => schema.into_inner(),
        Err(invalid) => panic!("not a valid schema:\n{}", invalid.errors),
    }
}

/// The committed schema with one line of one type's definition left out.
fn without(type_name: &str, field_line: &str) -> String {
    let mut inside = false;
    let mut removed = false;
    let mut out = String::new();
    for line in committed_text().lines() {
        if line.starts_with(&format!("type {type_name} ")) {
            inside = true;
        } else if line == "}" {
            inside = false;
        }
        if inside && line.trim() == field_line {
            removed = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    assert!(removed, "{type_name} has the line `{field_line}`");
    out
}

/// A schema as a map from each definition to what it is, built-ins left out: the structure
/// two schemas must share, whatever their text.
fn shape(schema: &Schema) -> BTreeMap<String, String> {
    let mut shape = BTreeMap::new();
    let input = |ty: &apollo_compiler::ast::Type, default: Option<String>| match default {
        Some(default) => format!("{ty} = {default}"),
        None => ty.to_string(),
    };
    for (name, ty) in schema.types.iter().filter(|(_, t)| !t.is_built_in()) {
        let (kind, fields) = match ty {
            ExtendedType::Scalar(_) => ("scalar".to_owned(), None),
            ExtendedType::Object(o) => (
                format!("type implements {:?}", o.implements_interfaces),
                Some(&o.fields),
            ),
            ExtendedType::Interface(i) => (
                format!("interface implements {:?}", i.implements_interfaces),
                Some(&i.fields),
            ),
            ExtendedType::Union(u) => (format!("union of {:?}", u.members), None),
            ExtendedType::Enum(e) => {
                for value in e.values.keys() {
                    shape.insert(format!("{name}.{value}"), "enum value".to_owned());
                }
                ("enum".to_owned(), None)
            }
            ExtendedType::InputObject(i) => {
                for (field, def) in &i.fields {
                    let default = def.default_value.as_ref().map(ToString::to_string);
                    shape.insert(format!("{name}.{field}"), input(&def.ty, default));
                }
                ("input".to_owned(), None)
            }
        };
        shape.insert(name.to_string(), kind);
        for (field, def) in fields.into_iter().flatten() {
            shape.insert(format!("{name}.{field}"), def.ty.to_string());
            for arg in &def.arguments {
                let default = arg.default_value.as_ref().map(ToString::to_string);
                shape.insert(
                    format!("{name}.{field}({}:)", arg.name),
                    input(&arg.ty, default),
                );
            }
        }
    }
    for operation in ["query", "mutation", "subscription"] {
        let root = match operation {
            "query" => &schema.schema_definition.query,
            "mutation" => &schema.schema_definition.mutation,
            _ => &schema.schema_definition.subscription,
        };
        shape.insert(format!("schema.{operation}"), format!("{root:?}"));
    }
    shape
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn the_double_introspected_and_read_back_is_the_committed_schema() {
    let pulled = runtime().block_on(async {
        let double = IonDouble::start(double_data()).await;
        let client = double.demo_client(&http_client().unwrap());
        introspect(&client)
            .await
            .expect("the double answers introspection")
    });
    let committed = parse(&committed_text());
    let (expected, actual) = (shape(&committed), shape(&pulled));
    let missing: Vec<_> = expected
        .iter()
        .filter(|(k, v)| actual.get(*k) != Some(v))
        .collect();
    let extra: Vec<_> = actual
        .iter()
        .filter(|(k, v)| expected.get(*k) != Some(v))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "differs from suites/schema/ion.graphql:\nmissing or different: {missing:?}\nextra: {extra:?}"
    );
    assert!(expected.len() > 1000, "the comparison saw the whole schema");
    assert_eq!(diff(&committed, &pulled), Vec::new());
}

#[test]
fn a_schema_set_in_process_is_served_then_restored() {
    runtime().block_on(async {
        let http = http_client().unwrap();
        let double = IonDouble::start(double_data()).await;
        let client = double.demo_client(&http);
        let email = || async {
            let response = client
                .send(GraphqlRequest {
                    query: "query { me { email } }",
                    operation_name: None,
                    variables: &Map::new(),
                    idempotent: true,
                    retry: false,
                })
                .await
                .unwrap();
            response.json().unwrap()
        };
        assert!(email().await["data"]["me"]["email"].is_string());

        double
            .set_schema(&without("User", "email: String"))
            .unwrap();
        let answer: Value = email().await;
        assert!(answer["data"].is_null(), "{answer}");
        assert!(
            answer["errors"]
                .to_string()
                .contains("Cannot query field 'email' on type 'User'"),
            "{answer}"
        );
        let served = introspect(&client).await.unwrap();
        assert!(
            !served
                .get_object("User")
                .unwrap()
                .fields
                .contains_key("email")
        );

        let rejected = double.set_schema("type Query { me: Nope }").unwrap_err();
        assert!(rejected.to_string().contains("Nope"), "{rejected}");
        double.restore_schema();
        assert!(email().await["data"]["me"]["email"].is_string());
    });
}

/// `ion-contract <args>` against `serve`'s sandbox.
fn against(serve: &Serve, args: &[&str]) -> std::process::Output {
    output(ion_contract(args).envs(serve.env("ION_SANDBOX_")))
}

#[test]
fn drift_pushed_to_serve_is_reported_by_whom_it_breaks() {
    let serve = Serve::start();

    // (a) A field a starter suite selects: breaking for this project, exit 4.
    let (status, body) = serve.admin_text(
        SANDBOX_API,
        Method::POST,
        "schema",
        &without("User", "email: String"),
    );
    assert_eq!(
        (status, &body["schema"]),
        (200, &Value::from("replaced")),
        "{body}"
    );
    let out = against(&serve, &["schema", "diff", "--target", "sandbox"]);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(4), "{report}{}", stderr(&out));
    let here = section(&report, "breaking for this project");
    assert!(
        here.contains("User.email") && here.contains("field removed"),
        "{report}"
    );
    assert!(
        here.contains("used by me::me-reports-the-bot-user::me"),
        "{report}"
    );
    let invalid = section(&report, "operations invalid against the live schema");
    assert!(
        invalid.contains("me::me-reports-the-bot-user::me"),
        "{report}"
    );
    assert!(invalid.contains("email"), "{report}");
    // The preflight's own `me` selects `email`: it says so, and the schema is read anyway.
    let note = stderr(&out);
    assert!(
        note.contains(
            "tenant unknown (the tenant query failed: Cannot query field 'email' on type 'User'"
        ),
        "{note}"
    );

    // (b) A field no suite uses: breaking elsewhere only, exit 0.
    let (status, _) = serve.admin_text(
        SANDBOX_API,
        Method::POST,
        "schema",
        &without("User", "entityId: Int!"),
    );
    assert_eq!(status, 200);
    let out = against(&serve, &["schema", "diff", "--target", "sandbox"]);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}{}", stderr(&out));
    assert!(
        section(&report, "breaking elsewhere").contains("User.entityId"),
        "{report}"
    );
    assert!(
        section(&report, "breaking for this project").contains("none"),
        "{report}"
    );
    assert!(report.contains("0 operation(s) invalid"), "{report}");

    // `schema pull` writes what is served, as a file that parses.
    let scratch = Scratch::new("drift-pull");
    let file = scratch.0.join("sandbox.graphql");
    let file_arg = file.to_string_lossy().into_owned();
    let out = against(
        &serve,
        &["schema", "pull", "--target", "sandbox", "--out", &file_arg],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains(&file_arg), "{}", stdout(&out));
    let pulled = parse(&std::fs::read_to_string(&file).unwrap());
    let user = pulled.get_object("User").unwrap();
    assert!(user.fields.contains_key("email") && !user.fields.contains_key("entityId"));

    // The original back: no drift at all. The production environment never changed.
    let (status, body) = serve.admin_text(SANDBOX_API, Method::DELETE, "schema", "");
    assert_eq!(
        (status, &body["schema"]),
        (200, &Value::from("original")),
        "{body}"
    );
    let out = against(&serve, &["schema", "diff", "--target", "sandbox"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out)
            .contains("0 breaking for this project, 0 breaking elsewhere, 0 dangerous, 0 safe")
    );
}

/// The lines of the report's section whose title starts with `title`.
fn section(report: &str, title: &str) -> String {
    let mut lines = report.lines().skip_while(|l| !l.starts_with(title));
    let first = lines.next().unwrap_or_default();
    let rest: Vec<&str> = lines.take_while(|l| l.starts_with(' ')).collect();
    format!("{first}\n{}", rest.join("\n"))
}

#[test]
fn the_admin_endpoint_refuses_an_invalid_schema_and_changes_nothing() {
    let serve = Serve::start();
    let (status, body) = serve.admin_text(
        SANDBOX_API,
        Method::POST,
        "schema",
        "type Query {\n  me: Missing\n}\n",
    );
    assert_eq!(status, 400, "{body}");
    let error = &body["errors"][0];
    assert!(
        error["message"].as_str().unwrap().contains("Missing"),
        "{body}"
    );
    assert_eq!(error["locations"][0]["line"], 2, "{body}");
    let (status, body) = serve.admin_text(SANDBOX_API, Method::GET, "schema", "");
    assert_eq!(status, 405, "{body}");
    let (status, body) = serve.admin_text(SANDBOX_API, Method::POST, "schema", "  \n");
    assert_eq!(
        (status, &body["schema"]),
        (200, &Value::from("original")),
        "{body}"
    );
    let out = against(&serve, &["schema", "diff", "--target", "sandbox"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn documents_count_as_operations_of_this_project() {
    let scratch = Scratch::new("drift-documents");
    scratch.write("live.graphql", &without("Location", "description: String"));
    scratch.write(
        "sync.graphql",
        "query Locations { locations { edges { node { id description } } } }\n",
    );
    scratch.write("broken.graphql", "query { locations { \n");
    let path = |name: &str| scratch.0.join(name).to_string_lossy().into_owned();
    let (live, sync, broken) = (
        path("live.graphql"),
        path("sync.graphql"),
        path("broken.graphql"),
    );

    let out = output(&mut ion_contract(&["schema", "diff", "--live", &live]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "no suite reads it: {}",
        stdout(&out)
    );

    let out = output(&mut ion_contract(&[
        "schema",
        "diff",
        "--live",
        &live,
        "--documents",
        &sync,
    ]));
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(4), "{report}{}", stderr(&out));
    let here = section(&report, "breaking for this project");
    assert!(here.contains("Location.description"), "{report}");
    assert!(
        here.contains(&format!("used by {sync}:Locations")),
        "{report}"
    );

    let out = output(&mut ion_contract(&[
        "schema",
        "diff",
        "--live",
        &live,
        "--documents",
        &broken,
    ]));
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let errors = stderr(&out);
    assert!(
        errors.contains(&broken) && errors.contains("line ") && errors.contains("help:"),
        "{errors}"
    );
}

#[test]
fn invalid_input_exits_2_saying_where_and_how_to_fix() {
    let out = output(&mut ion_contract(&[
        "schema",
        "diff",
        "--live",
        "no/such/live.graphql",
    ]));
    assert_eq!(out.status.code(), Some(2));
    let errors = stderr(&out);
    assert!(
        errors.contains("no/such/live.graphql") && errors.contains("help:"),
        "{errors}"
    );

    let scratch = Scratch::new("drift-invalid");
    scratch.write("live.graphql", "type Query { me: User }\n");
    let live = scratch
        .0
        .join("live.graphql")
        .to_string_lossy()
        .into_owned();
    let out = output(&mut ion_contract(&["schema", "diff", "--live", &live]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a valid GraphQL schema"),
        "{}",
        stderr(&out)
    );

    // A live target without credentials: nothing to introspect with.
    let out = output(&mut ion_contract(&[
        "schema", "pull", "--target", "sandbox",
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("ION_SANDBOX_CLIENT_ID"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_failed_preflight_exits_3_before_any_introspection() {
    Serve::start().assert_preflight_stops(&["schema", "diff", "--target", "sandbox"]);
}

#[test]
fn ions_public_schema_breaks_no_operation_of_the_starter_suites() {
    let reference = manifest_dir().join("../shared/reference/ion-schema/ion-schema.graphql");
    if !Path::new(&reference).exists() {
        eprintln!(
            "skipped: ION's schema dump is not at {}",
            reference.display()
        );
        return;
    }
    let live = reference.to_string_lossy().into_owned();
    let out = output(&mut ion_contract(&["schema", "diff", "--live", &live]));
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}{}", stderr(&out));
    assert!(
        report.contains("0 breaking for this project, 0 breaking elsewhere"),
        "{report}"
    );
    assert!(report.contains("0 operation(s) invalid"), "{report}");
}
