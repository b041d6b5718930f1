//! Introspection results to SDL: wrapping, descriptions, defaults, deprecations, bad input.

use super::*;
use serde_json::json;

fn named(kind: &str, name: &str) -> Value {
    json!({"kind": kind, "name": name, "ofType": null})
}

#[test]
fn wrapping_descriptions_defaults_and_deprecations_are_written() {
    let data = json!({"__schema": {
    "queryType": {"name": "Query"}, "mutationType": null, "subscriptionType": null,
    "directives": [],
    "types": [
        {"kind": "OBJECT", "name": "Query", "description": "The \"root\"\nquery.",
         "fields": [{"name": "parts", "description": null,
            "args": [{"name": "first", "description": null, "type": named("SCALAR", "Int"),
                      "defaultValue": "10", "isDeprecated": true, "deprecationReason": "use last"}],
            "type": {"kind": "NON_NULL", "name": null, "ofType": {"kind": "LIST", "name": null,
                     "ofType": {"kind": "NON_NULL", "name": null, "ofType": named("OBJECT", "Query")}}},
            "isDeprecated": true, "deprecationReason": null}],
         "interfaces": [], "inputFields": null, "enumValues": null, "possibleTypes": null},
        {"kind": "SCALAR", "name": "String", "description": "built in"},
        {"kind": "OBJECT", "name": "__Schema", "fields": []}
    ]}});
    let schema = schema_from_introspection(&data, "t").expect("valid");
    let field = &schema.get_object("Query").unwrap().fields["parts"];
    assert_eq!(field.ty.to_string(), "[Query!]!");
    assert_eq!(
        field.arguments[0]
            .default_value
            .as_ref()
            .unwrap()
            .to_string(),
        "10"
    );
    assert!(field.directives.get("deprecated").is_some());
    assert!(field.arguments[0].directives.get("deprecated").is_some());
    let description = schema.get_object("Query").unwrap().description.clone();
    assert_eq!(description.as_deref(), Some("The \"root\"\nquery."));
}

#[test]
fn a_name_that_is_not_graphql_is_refused_not_written() {
    let data = json!({"__schema": {"queryType": {"name": "Query"}, "types": [
        {"kind": "OBJECT", "name": "Query { x: Int } type Evil", "fields": [
            {"name": "a", "args": [], "type": named("SCALAR", "Int")}]}]}});
    let error = sdl_from_introspection(&data).unwrap_err();
    assert!(error.to_string().contains("not a GraphQL name"), "{error}");
}

#[test]
fn missing_parts_are_named() {
    assert!(
        sdl_from_introspection(&json!({}))
            .unwrap_err()
            .to_string()
            .contains("__schema")
    );
    let data = json!({"__schema": {"queryType": {"name": "Query"}, "types": [
        {"kind": "OBJECT", "name": "Query", "fields": [
            {"name": "a", "args": [], "type": {"kind": "LIST", "name": null}}]}]}});
    let error = sdl_from_introspection(&data).unwrap_err().to_string();
    assert!(error.contains("__schema.types[0] (Query).a"), "{error}");
}
