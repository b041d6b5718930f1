//! Usage detection: fragments, nested input types, enum values as literals and in variables.

use apollo_compiler::validation::Valid;
use serde_json::json;

use super::*;
use crate::drift::change::Class;

const SCHEMA: &str = r#"
type Query {
  part(id: ID!): Part
  parts(filters: PartFilters, sort: [PartSort], first: Int = 10): [Part]
  node(id: ID!): Node
  search(term: String): [Result]
}
type Mutation { createPart(input: CreatePartInput!): Part }
interface Node { id: ID! }
type Part implements Node { id: ID! number: String cost: Float kind: Kind location: Location }
type Location implements Node { id: ID! name: String }
type Tool { id: ID! }
union Result = Part | Tool
enum Kind { PART TOOL ASSEMBLY }
enum PartSort { ID_ASC ID_DESC }
input PartFilters { number: StringFilter kind: Kind and_: [PartFilters] }
input StringFilter { eq: String like: String }
input CreatePartInput { number: String! kind: Kind location: LocationInput }
input LocationInput { name: String }
"#;

fn schema() -> Valid<Schema> {
    Schema::parse_and_validate(SCHEMA, "usage.graphql").unwrap()
}

/// What the one operation of `query` uses, with `variables` (a step's) or unknown values.
fn uses(query: &str, variables: Option<Value>) -> Uses {
    let schema = schema();
    let document = ExecutableDocument::parse_and_validate(&schema, query, "op.graphql")
        .unwrap_or_else(|e| panic!("{}", e.errors));
    let operation = document.operations.iter().next().unwrap();
    let variables = variables.map(|v| match v {
        Value::Object(map) => map,
        _ => panic!("variables are an object"),
    });
    Uses::of(&schema, &document, operation, variables.as_ref())
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_owned(), b.to_owned())
}

fn change(at: Coordinate, kind: ChangeKind) -> Change {
    Change {
        class: Class::Breaking,
        at,
        kind,
    }
}

fn field(ty: &str, name: &str) -> Coordinate {
    Coordinate::Field(ty.to_owned(), name.to_owned())
}

const REMOVED: ChangeKind = ChangeKind::Removed { deprecated: false };

#[test]
fn fields_through_named_fragments_and_nested_fragments() {
    let uses = uses(
        "query { part(id: 1) { __typename ...P } }
         fragment P on Part { cost location { ...L } }
         fragment L on Location { name }",
        Some(json!({})),
    );
    for (ty, name) in [
        ("Query", "part"),
        ("Part", "cost"),
        ("Part", "location"),
        ("Location", "name"),
    ] {
        assert!(
            uses.fields.contains(&pair(ty, name)),
            "{ty}.{name}: {uses:?}"
        );
    }
    assert!(!uses.fields.contains(&pair("Part", "number")));
    assert!(!uses.fields.iter().any(|(_, f)| f.starts_with("__")));
    assert!(uses.fragments.contains(&pair("Part", "Part")));
    assert!(uses.touches(&change(field("Location", "name"), REMOVED)));
    assert!(!uses.touches(&change(field("Part", "number"), REMOVED)));
    assert!(uses.touches(&change(Coordinate::Type("Location".into()), REMOVED)));
    assert!(!uses.touches(&change(Coordinate::Type("Tool".into()), REMOVED)));
}

#[test]
fn union_members_and_interfaces_through_inline_fragments() {
    let search = uses(
        "query { search(term: \"x\") { ... on Tool { id } } }",
        Some(json!({})),
    );
    let at = Coordinate::Type("Result".into());
    assert!(search.touches(&change(
        at.clone(),
        ChangeKind::MemberRemoved("Tool".into())
    )));
    assert!(!search.touches(&change(at, ChangeKind::MemberRemoved("Part".into()))));

    let node = uses(
        "query { node(id: 1) { id ... on Part { cost } } }",
        Some(json!({})),
    );
    let part = Coordinate::Type("Part".into());
    assert!(node.touches(&change(
        part.clone(),
        ChangeKind::InterfaceRemoved("Node".into())
    )));
    let location = Coordinate::Type("Location".into());
    assert!(!node.touches(&change(
        location,
        ChangeKind::InterfaceRemoved("Node".into())
    )));
    assert!(
        node.fields.contains(&pair("Node", "id")) && node.fields.contains(&pair("Part", "cost"))
    );
}

#[test]
fn nested_input_literals_and_enum_literals() {
    let uses = uses(
        "query { parts(filters: {number: {eq: \"PN\"}, and_: [{kind: TOOL}]}, sort: [ID_DESC]) { id } }",
        Some(json!({})),
    );
    for (ty, name) in [
        ("PartFilters", "number"),
        ("PartFilters", "and_"),
        ("PartFilters", "kind"),
        ("StringFilter", "eq"),
    ] {
        assert!(
            uses.input_fields.contains(&pair(ty, name)),
            "{ty}.{name}: {uses:?}"
        );
    }
    assert!(!uses.input_fields.contains(&pair("StringFilter", "like")));
    assert!(uses.enum_values.contains(&pair("Kind", "TOOL")));
    assert!(uses.enum_values.contains(&pair("PartSort", "ID_DESC")));
    let value = |ty: &str, v: &str| Coordinate::EnumValue(ty.into(), v.into());
    assert!(uses.touches(&change(value("Kind", "TOOL"), REMOVED)));
    assert!(!uses.touches(&change(value("Kind", "PART"), REMOVED)));
    let like = Coordinate::InputField("StringFilter".into(), "like".into());
    assert!(!uses.touches(&change(like.clone(), REMOVED)));
    // A new required input field breaks every value of its type the operation writes.
    assert!(uses.touches(&change(like, ChangeKind::Added { required: true })));
    let arg = |name: &str| Coordinate::Argument("Query".into(), "parts".into(), name.into());
    assert!(uses.touches(&change(arg("filters"), REMOVED)));
    assert!(!uses.touches(&change(arg("first"), REMOVED)));
    assert!(uses.touches(&change(arg("mine"), ChangeKind::Added { required: true })));
    let default = ChangeKind::DefaultChanged {
        old: Some("10".into()),
        new: Some("5".into()),
    };
    assert!(
        uses.touches(&change(arg("first"), default.clone())),
        "left out: the default applies"
    );
    assert!(
        !uses.touches(&change(arg("filters"), default)),
        "given: the default does not apply"
    );
}

const CREATE: &str =
    "mutation Create($input: CreatePartInput!) { createPart(input: $input) { id } }";

#[test]
fn variables_of_a_step_count_what_their_values_give() {
    let given = uses(
        CREATE,
        Some(json!({"input": {"number": "PN", "kind": "ASSEMBLY", "location": {"name": "Bay"}}})),
    );
    assert!(given.enum_values.contains(&pair("Kind", "ASSEMBLY")));
    assert!(given.input_fields.contains(&pair("LocationInput", "name")));
    assert!(given.input_types.contains("LocationInput"));
    assert!(given.roots.contains("mutation"));
    assert!(given.touches(&change(Coordinate::Root("mutation"), REMOVED)));

    let bare = uses(CREATE, Some(json!({"input": {"number": "PN"}})));
    assert!(!bare.input_types.contains("LocationInput"));
    let location = Coordinate::InputField("CreatePartInput".into(), "location".into());
    assert!(given.touches(&change(location.clone(), REMOVED)));
    assert!(!bare.touches(&change(location, REMOVED)));
    let kind = |v: &str| Coordinate::EnumValue("Kind".into(), v.into());
    assert!(!bare.touches(&change(kind("ASSEMBLY"), REMOVED)));

    let templated = uses(
        CREATE,
        Some(json!({"input": {"number": "PN", "kind": "${kind}"}})),
    );
    assert!(
        templated.touches(&change(kind("TOOL"), REMOVED)),
        "a template may be any value"
    );
}

#[test]
fn enum_values_in_list_variables_and_defaults() {
    let query = "query Sorted($s: [PartSort] = [ID_ASC]) { parts(sort: $s) { id } }";
    let value = |v: &str| Coordinate::EnumValue("PartSort".into(), v.into());
    let given = uses(query, Some(json!({"s": ["ID_DESC"]})));
    assert!(given.touches(&change(value("ID_DESC"), REMOVED)));
    assert!(
        !given.touches(&change(value("ID_ASC"), REMOVED)),
        "the default is not used"
    );
    let defaulted = uses(query, Some(json!({})));
    assert!(defaulted.touches(&change(value("ID_ASC"), REMOVED)));
    assert!(!defaulted.touches(&change(value("ID_DESC"), REMOVED)));
}

#[test]
fn unknown_variable_values_use_everything_their_types_reach() {
    let unknown = uses(CREATE, None);
    for ty in ["CreatePartInput", "LocationInput", "Kind"] {
        assert!(unknown.any_value.contains(ty), "{ty}: {unknown:?}");
    }
    assert!(unknown.touches(&change(
        Coordinate::EnumValue("Kind".into(), "TOOL".into()),
        REMOVED
    )));
    assert!(unknown.touches(&change(
        Coordinate::InputField("LocationInput".into(), "name".into()),
        REMOVED
    )));
    assert!(!unknown.touches(&change(
        Coordinate::InputField("StringFilter".into(), "eq".into()),
        REMOVED
    )));
}

#[test]
fn new_enum_values_and_members_touch_the_operations_that_read_them() {
    let added = ChangeKind::Added { required: false };
    let kind = Coordinate::EnumValue("Kind".into(), "KIT".into());
    let reads = uses("query { part(id: 1) { kind } }", Some(json!({})));
    assert!(reads.touches(&change(kind.clone(), added.clone())));
    let sends = uses(
        "query { parts(filters: {kind: TOOL}) { id } }",
        Some(json!({})),
    );
    assert!(!sends.touches(&change(kind, added)));
    let search = uses("query { search { ... on Part { id } } }", Some(json!({})));
    let member = ChangeKind::MemberAdded("Kit".into());
    assert!(search.touches(&change(Coordinate::Type("Result".into()), member)));
}
