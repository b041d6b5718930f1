//! The suite files' JSON Schema (`suites/suite.schema.json`): the committed file is the one
//! the code generates, it is a valid draft 2020-12 schema, every suite the loader accepts is
//! valid against it, and documents the loader refuses for their shape are invalid.

use std::path::Path;
use std::sync::LazyLock;

use boon::{Compiler, SchemaIndex, Schemas};
use ion_contract::suite;
use rstest::rstest;
use serde_json::Value;

const COMMITTED: &str = "suites/suite.schema.json";

/// The generated schema, compiled (boon checks it against the draft 2020-12 meta-schema).
static SCHEMA: LazyLock<(Schemas, SchemaIndex)> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(&suite::json_schema()).expect("the schema is JSON");
    let (mut schemas, mut compiler) = (Schemas::new(), Compiler::new());
    let id = "urn:ion-contract:suite.schema.json";
    compiler
        .add_resource(id, schema)
        .expect("the schema is added");
    match compiler.compile(id, &mut schemas) {
        Ok(index) => (schemas, index),
        Err(e) => panic!("the schema does not compile: {e:#}"),
    }
});

/// A YAML document as JSON, the way an editor's YAML language server sees it.
fn json(yaml: &str) -> Value {
    serde_saphyr::from_str(yaml).expect("test YAML parses")
}

/// The schema's verdict on `doc`: its errors, one per line, or nothing.
fn errors(doc: &Value) -> String {
    let (schemas, index) = &*SCHEMA;
    schemas
        .validate(doc, *index)
        .map_or_else(|e| e.to_string(), |()| String::new())
}

#[test]
fn the_committed_schema_is_the_generated_one() {
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == suite::json_schema(),
        "{COMMITTED} is not what the suite format generates; regenerate it:\n    \
         cargo run -- schema suite-format > {COMMITTED}"
    );
}

#[test]
fn the_schema_is_a_valid_draft_2020_12_schema() {
    let schema: Value = serde_json::from_str(&suite::json_schema()).expect("the schema is JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    LazyLock::force(&SCHEMA);
}

/// Every suite of the project and every valid fixture, found the way the loader finds them.
#[rstest]
#[case::project_suites("suites")]
#[case::valid_fixtures("tests/fixtures/valid")]
fn every_suite_the_loader_accepts_is_valid(#[case] dir: &str) {
    let files = suite::discover(Path::new(dir)).expect("the directory lists");
    assert!(!files.is_empty(), "no suites found in {dir}");
    for file in files {
        let text = std::fs::read_to_string(&file).expect("the suite reads");
        let problems = errors(&json(&text));
        assert!(
            problems.is_empty(),
            "{} is not valid against the schema:\n{problems}",
            file.display()
        );
    }
}

/// Shapes the loader accepts (the GraphQL in them is not checked here): scalars serde-saphyr
/// reads as text, `null` where any value goes, a `document:` with its `operation:`.
#[rstest]
#[case::numbers_and_booleans_as_text(
    "name: 2024\ntags: [2024, true]\ncases:\n  - name: 1\n    steps:\n      - query: 'query { me { id } }'"
)]
#[case::equals_null(
    "name: n\ncases:\n  - name: c\n    steps:\n      - query: q\n        expect:\n          data:\n            - {path: $.a, equals: null}"
)]
#[case::document_and_operation(
    "name: n\ncases:\n  - name: c\n    steps:\n      - {document: d.graphql, operation: Op, snapshot: key}"
)]
fn documents_the_loader_accepts_are_valid(#[case] yaml: &str) {
    let problems = errors(&json(yaml));
    assert!(problems.is_empty(), "refused:\n{problems}");
}

/// Each refused at the JSON pointer given (`''` is the whole file).
#[rstest]
#[case::unknown_top_level_key("name: n\nowner: me\ncases: [{name: c, steps: [{query: q}]}]", "")]
#[case::step_without_query("name: n\ncases: [{name: c, steps: [{name: s}]}]", "/cases/0/steps/0")]
#[case::step_with_query_and_document(
    "name: n\ncases: [{name: c, steps: [{query: q, document: d.graphql}]}]",
    "/cases/0/steps/0"
)]
#[case::operation_without_document(
    "name: n\ncases: [{name: c, steps: [{query: q, operation: Op}]}]",
    "/cases/0/steps/0"
)]
#[case::tags_not_a_list(
    "name: n\ntags: parts\ncases: [{name: c, steps: [{query: q}]}]",
    "/tags"
)]
#[case::null_for_an_optional_key(
    "name: n\ndescription: ~\ncases: [{name: c, steps: [{query: q}]}]",
    "/description"
)]
#[case::missing_cases("name: n", "")]
#[case::empty_cases("name: n\ncases: []", "/cases")]
#[case::case_name_with_a_space(
    "name: n\ncases: [{name: a b, steps: [{query: q}]}]",
    "/cases/0/name"
)]
#[case::unknown_errors_keyword(
    "name: n\ncases: [{name: c, steps: [{query: q, expect: {errors: some}}]}]",
    "/cases/0/steps/0/expect/errors"
)]
#[case::status_out_of_range(
    "name: n\ncases: [{name: c, steps: [{query: q, expect: {status: 42}}]}]",
    "/cases/0/steps/0/expect/status"
)]
#[case::unknown_auth_class(
    "name: n\ncases: [{name: c, steps: [{query: q, expect: {auth: stale}}]}]",
    "/cases/0/steps/0/expect/auth"
)]
#[case::assertion_without_predicate(
    "name: n\ncases: [{name: c, steps: [{query: q, expect: {data: [{path: $.a}]}}]}]",
    "/cases/0/steps/0/expect/data/0"
)]
#[case::snapshot_number(
    "name: n\ncases: [{name: c, steps: [{query: q, snapshot: 7}]}]",
    "/cases/0/steps/0/snapshot"
)]
#[case::throttle_and_ramp(
    "name: n\ncases: [{name: c, throttle: {requests: 2, rate: 2}, ramp: {from: 1, to: 2, requests: 2}, steps: [{query: q}]}]",
    "/cases/0"
)]
#[case::storm_with_both(
    "name: n\ndouble: {storm: {next: 2, for_ms: 10}}\ncases: [{name: c, steps: [{query: q}]}]",
    "/double/storm"
)]
#[case::webhook_action_lowercase(
    "name: n\ncases: [{name: c, steps: [{query: q, expect_webhook: {resource: PARTS, action: create}}]}]",
    "/cases/0/steps/0/expect_webhook/action"
)]
#[case::webhook_without_resource(
    "name: n\ncases: [{name: c, steps: [{query: q, expect_webhook: {action: CREATE}}]}]",
    "/cases/0/steps/0/expect_webhook"
)]
fn documents_the_loader_refuses_for_their_shape_are_invalid(#[case] yaml: &str, #[case] at: &str) {
    let problems = errors(&json(yaml));
    assert!(
        problems.contains(&format!("at '{at}'")),
        "expected a problem at '{at}' in\n{yaml}\nfound: {problems}"
    );
}
