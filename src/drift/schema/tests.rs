//! Each classification rule, from two small SDL strings.

use super::*;

fn schema(sdl: &str) -> Schema {
    match Schema::parse_and_validate(sdl, "test.graphql") {
        Ok(schema) => schema.into_inner(),
        Err(invalid) => panic!("test SDL is invalid:\n{}\n{sdl}", invalid.errors),
    }
}

/// `(class, coordinate, description)` of every change from `old` to `new`, each schema
/// given as definitions beside a `Query` with one field.
fn changes(old: &str, new: &str) -> Vec<(Class, String, String)> {
    let base = "type Query { ping: Int }\n";
    diff(
        &schema(&format!("{base}{old}")),
        &schema(&format!("{base}{new}")),
    )
    .into_iter()
    .map(|c| (c.class, c.at.to_string(), c.describe()))
    .collect()
}

/// The one change from `old` to `new`.
fn only(old: &str, new: &str) -> (Class, String, String) {
    let mut all = changes(old, new);
    assert_eq!(all.len(), 1, "expected one change, got {all:?}");
    all.remove(0)
}

fn class_of(old: &str, new: &str) -> Class {
    only(old, new).0
}

#[test]
fn identical_schemas_have_no_changes() {
    let sdl = "type Part { id: ID! cost(currency: String = \"USD\"): Float }";
    assert!(changes(sdl, sdl).is_empty());
}

#[test]
fn types() {
    let (class, at, what) = only("type Part { id: ID }", "");
    assert_eq!(
        (class, at.as_str(), what.as_str()),
        (Class::Breaking, "Part", "type removed")
    );
    assert_eq!(class_of("", "type Part { id: ID }"), Class::Safe);
    let (class, _, what) = only("type Part { id: ID }", "interface Part { id: ID }");
    assert_eq!(class, Class::Breaking);
    assert_eq!(what, "changed from object type to interface");
    assert_eq!(
        class_of(
            "\"old\" type Part { id: ID }",
            "\"new\" type Part { id: ID }"
        ),
        Class::Safe
    );
}

#[test]
fn fields_removed_and_added() {
    let (class, at, what) = only("type Part { id: ID cost: Float }", "type Part { id: ID }");
    assert_eq!(
        (class, at.as_str(), what.as_str()),
        (Class::Breaking, "Part.cost", "field removed")
    );
    let (class, _, what) = only(
        "type Part { id: ID cost: Float @deprecated }",
        "type Part { id: ID }",
    );
    assert_eq!(
        (class, what.as_str()),
        (Class::Breaking, "deprecated field removed")
    );
    assert_eq!(
        class_of("type Part { id: ID }", "type Part { id: ID cost: Float }"),
        Class::Safe
    );
}

#[test]
fn output_types_may_only_become_stricter() {
    let field = |ty: &str| format!("type Part {{ id: ID cost: {ty} }}");
    assert_eq!(class_of(&field("Float"), &field("Float!")), Class::Safe);
    assert_eq!(
        class_of(&field("[Float]"), &field("[Float!]!")),
        Class::Safe
    );
    assert_eq!(class_of(&field("Float!"), &field("Float")), Class::Breaking);
    assert_eq!(
        class_of(&field("[Float!]"), &field("[Float]")),
        Class::Breaking
    );
    assert_eq!(class_of(&field("Float"), &field("Int")), Class::Breaking);
    assert_eq!(
        class_of(&field("Float"), &field("[Float]")),
        Class::Breaking
    );
    let (_, at, what) = only(&field("Float!"), &field("Float"));
    assert_eq!(
        (at.as_str(), what.as_str()),
        ("Part.cost", "type changed from Float! to Float")
    );
}

#[test]
fn arguments() {
    let field = |args: &str| format!("type Part {{ id: ID cost{args}: Float }}");
    let (class, at, what) = only(&field("(currency: String)"), &field(""));
    assert_eq!(
        (class, at.as_str(), what.as_str()),
        (Class::Breaking, "Part.cost(currency:)", "argument removed")
    );
    let (class, _, what) = only(&field(""), &field("(currency: String!)"));
    assert_eq!(
        (class, what.as_str()),
        (Class::Breaking, "required argument added")
    );
    let (class, _, what) = only(&field(""), &field("(currency: String)"));
    assert_eq!(
        (class, what.as_str()),
        (Class::Dangerous, "optional argument added")
    );
    assert_eq!(
        class_of(&field(""), &field("(currency: String! = \"USD\")")),
        Class::Dangerous
    );
    assert_eq!(
        class_of(&field("(at: ID!)"), &field("(at: ID)")),
        Class::Safe
    );
    assert_eq!(
        class_of(&field("(at: [ID!]!)"), &field("(at: [ID])")),
        Class::Safe
    );
    assert_eq!(
        class_of(&field("(at: ID)"), &field("(at: ID!)")),
        Class::Breaking
    );
    assert_eq!(
        class_of(&field("(at: ID)"), &field("(at: Int)")),
        Class::Breaking
    );
    let (class, _, what) = only(&field("(n: Int = 1)"), &field("(n: Int = 2)"));
    assert_eq!(
        (class, what.as_str()),
        (Class::Dangerous, "default changed from 1 to 2")
    );
    assert_eq!(
        class_of(&field("(n: Int)"), &field("(n: Int = 2)")),
        Class::Dangerous
    );
}

#[test]
fn input_fields() {
    let input = |fields: &str| format!("input PartInput {{ id: ID {fields} }}");
    let (class, at, what) = only(&input("cost: Float"), &input(""));
    assert_eq!(
        (class, at.as_str(), what.as_str()),
        (Class::Breaking, "PartInput.cost", "input field removed")
    );
    let (class, _, what) = only(&input(""), &input("cost: Float!"));
    assert_eq!(
        (class, what.as_str()),
        (Class::Breaking, "required input field added")
    );
    let (class, _, what) = only(&input(""), &input("cost: Float"));
    assert_eq!(
        (class, what.as_str()),
        (Class::Dangerous, "optional input field added")
    );
    assert_eq!(
        class_of(&input(""), &input("cost: Float! = 0")),
        Class::Dangerous
    );
    assert_eq!(
        class_of(&input("cost: Float!"), &input("cost: Float")),
        Class::Safe
    );
    assert_eq!(
        class_of(&input("cost: Float"), &input("cost: Float!")),
        Class::Breaking
    );
    assert_eq!(
        class_of(&input("cost: Float = 0"), &input("cost: Float = 1")),
        Class::Dangerous
    );
}

#[test]
fn enum_values() {
    let (class, at, what) = only("enum Kind { PART TOOL }", "enum Kind { PART }");
    assert_eq!(
        (class, at.as_str(), what.as_str()),
        (Class::Breaking, "Kind.TOOL", "enum value removed")
    );
    assert_eq!(
        class_of("enum Kind { PART }", "enum Kind { PART TOOL }"),
        Class::Dangerous
    );
    assert_eq!(
        class_of(
            "enum Kind { PART TOOL @deprecated }",
            "enum Kind { PART TOOL }"
        ),
        Class::Safe
    );
}

#[test]
fn union_members() {
    let types = "type A { a: Int } type B { b: Int }";
    let (class, at, what) = only(
        &format!("{types} union U = A | B"),
        &format!("{types} union U = A"),
    );
    assert_eq!(
        (class, at.as_str(), what.as_str()),
        (Class::Breaking, "U", "union member B removed")
    );
    assert_eq!(
        class_of(
            &format!("{types} union U = A"),
            &format!("{types} union U = A | B")
        ),
        Class::Dangerous
    );
}

#[test]
fn interfaces_of_a_type() {
    let node = "interface Node { id: ID }";
    let (class, at, what) = only(
        &format!("{node} type Part implements Node {{ id: ID }}"),
        &format!("{node} type Part {{ id: ID }}"),
    );
    assert_eq!(
        (class, at.as_str(), what.as_str()),
        (Class::Breaking, "Part", "no longer implements Node")
    );
    assert_eq!(
        class_of(
            &format!("{node} type Part {{ id: ID }}"),
            &format!("{node} type Part implements Node {{ id: ID }}")
        ),
        Class::Dangerous
    );
}

#[test]
fn root_operation_types() {
    let all = changes("type Mutation { go: Int }", "");
    assert!(
        all.contains(&(
            Class::Breaking,
            "schema.mutation".to_owned(),
            "changed from Mutation to none".to_owned()
        )),
        "{all:?}"
    );
    let all = changes("", "type Mutation { go: Int }");
    assert!(
        all.iter()
            .any(|c| c.0 == Class::Safe && c.1 == "schema.mutation"),
        "{all:?}"
    );
    assert!(all.iter().all(|c| c.0 == Class::Safe), "{all:?}");
}

#[test]
fn directives() {
    let (class, at, what) = only("directive @tag(name: String) on FIELD_DEFINITION", "");
    assert_eq!(
        (class, at.as_str(), what.as_str()),
        (Class::Breaking, "@tag", "directive removed")
    );
    assert_eq!(class_of("", "directive @tag on FIELD"), Class::Safe);
    assert_eq!(
        class_of(
            "directive @tag on FIELD",
            "directive @tag(name: String!) on FIELD"
        ),
        Class::Breaking
    );
    assert_eq!(
        class_of(
            "directive @tag on FIELD",
            "directive @tag(name: String) on FIELD"
        ),
        Class::Safe
    );
    assert_eq!(
        class_of(
            "directive @tag(name: String) on FIELD",
            "directive @tag on FIELD"
        ),
        Class::Breaking
    );
    let (class, _, what) = only("directive @tag on FIELD | QUERY", "directive @tag on FIELD");
    assert_eq!(
        (class, what.as_str()),
        (Class::Breaking, "location QUERY removed")
    );
    assert_eq!(
        class_of(
            "directive @tag repeatable on FIELD",
            "directive @tag on FIELD"
        ),
        Class::Breaking
    );
    assert_eq!(
        class_of(
            "directive @tag on FIELD",
            "directive @tag repeatable on FIELD"
        ),
        Class::Safe
    );
}

#[test]
fn deprecations_and_descriptions() {
    let field = |extra: &str| format!("type Part {{ id: ID cost: Float {extra} }}");
    let (class, at, what) = only(&field(""), &field("@deprecated(reason: \"use price\")"));
    assert_eq!(
        (class, at.as_str(), what.as_str()),
        (Class::Safe, "Part.cost", "field deprecated")
    );
    assert_eq!(
        class_of(&field("@deprecated"), &field("")),
        Class::Dangerous
    );
    assert_eq!(
        class_of(
            &field("@deprecated(reason: \"a\")"),
            &field("@deprecated(reason: \"b\")")
        ),
        Class::Safe
    );
    let (class, _, what) = only(
        "type Part { id: ID \"old\" cost: Float }",
        "type Part { id: ID \"new\" cost: Float }",
    );
    assert_eq!((class, what.as_str()), (Class::Safe, "description changed"));
}

#[test]
fn the_type_rules_match_graphql_js() {
    let ty = |text: &str| Type::parse(text, "t.graphql").unwrap();
    assert!(safe_for_output(&ty("[Int]"), &ty("[Int]!")));
    assert!(!safe_for_output(&ty("[Int]!"), &ty("[Int]")));
    assert!(safe_for_input(&ty("[Int]!"), &ty("[Int]")));
    assert!(!safe_for_input(&ty("[Int]"), &ty("[Int]!")));
    assert!(!safe_for_input(&ty("[Int]"), &ty("Int")));
}
