//! The suite loader, end to end: valid fixtures load into the expected model, every broken
//! fixture fails with located diagnostics whose rendered text is snapshotted in
//! `tests/it/load/snapshots/`, and templates resolve as documented.
//!
//! Paths are relative to the crate root (cargo runs integration tests there), so rendered
//! diagnostics read `tests/fixtures/broken/x.yaml:3:5` on every machine.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use ion_contract::suite::{
    self, ErrorsExpectation, JsonType, LoadContext, LoadFailure, OperationKind, Predicate, Schema,
    Suite, Valid,
};
use serde_json::{Value, json};

mod auth;
mod limits;
mod robustness;
mod templates;
mod throttle;

const VALID: &str = "tests/fixtures/valid";
const BROKEN: &str = "tests/fixtures/broken";

/// The stand-in schema (real ION names), so these tests do not depend on the double's schema.
static SCHEMA: LazyLock<Valid<Schema>> = LazyLock::new(|| {
    let sdl = std::fs::read_to_string("tests/fixtures/ion-mini.graphql").expect("mini schema");
    Schema::parse_and_validate(sdl, "tests/fixtures/ion-mini.graphql")
        .expect("mini schema validates")
});

/// The built-in targets' names, which `targets:` in the fixtures may list.
static TARGETS: LazyLock<Vec<String>> =
    LazyLock::new(|| ion_contract::targets::Targets::default().names());

/// The schema and target names the fixtures are checked against.
fn context() -> LoadContext<'static> {
    LoadContext::new(&SCHEMA, &TARGETS)
}

fn load(dir: &str, id: &str) -> Result<Suite, LoadFailure> {
    let file = PathBuf::from(dir).join(format!("{id}.yaml"));
    suite::load_suite(Path::new(dir), &file, &context())
}

fn load_valid(id: &str) -> Suite {
    match load(VALID, id) {
        Ok(suite) => suite,
        Err(failure) => panic!("{id} should load:\n{failure}"),
    }
}

fn load_broken(id: &str) -> LoadFailure {
    match load(BROKEN, id) {
        Ok(suite) => panic!(
            "{id} should not load, but loaded {} cases",
            suite.cases.len()
        ),
        Err(failure) => failure,
    }
}

/// Loads a broken fixture, checks the shape of every diagnostic and snapshots the text.
fn check_broken(id: &str) {
    let failure = load_broken(id);
    assert_eq!(failure.suite_id, id);
    assert!(
        !failure.diagnostics.is_empty(),
        "{id}: a failure without diagnostics"
    );
    for d in &failure.diagnostics {
        let text = d.to_string();
        let mut lines = text.lines();
        assert!(
            lines.next().is_some_and(|l| l.starts_with("error: ")),
            "{id}: {text}"
        );
        let location = d.location();
        assert!(
            lines
                .next()
                .is_some_and(|l| l.trim_start() == format!("--> {location}")),
            "{id}: second line should be `--> {location}`:\n{text}"
        );
        assert!(
            location.starts_with("tests/fixtures/broken/"),
            "{id}: {location}"
        );
        assert!(d.line >= 1 && d.col >= 1, "{id}: {location}");
        assert!(d.source_line.is_some(), "{id}: no source line in\n{text}");
        assert!(d.help.is_some(), "{id}: no fix hint in\n{text}");
    }
    insta::assert_snapshot!(id, failure.to_string());
}

macro_rules! broken_fixtures {
    ($($test:ident => $id:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check_broken($id);
            }
        )*
        const BROKEN_FIXTURES: &[&str] = &[$($id),*];
    };
}

broken_fixtures! {
    yaml_syntax_error_stops_the_file => "yaml-syntax",
    yaml_indentation_error_stops_the_file => "yaml-indentation",
    empty_file_is_reported => "empty-file",
    unknown_top_level_key_suggests_the_right_one => "unknown-top-level-key",
    throttle_settings_and_checks_are_checked => "bad-throttle",
    unknown_step_key_suggests_the_right_one => "unknown-step-key",
    misplaced_key_mentions_its_level => "misplaced-key",
    missing_cases_is_reported_with_an_example => "missing-cases",
    duplicate_key_is_reported_with_the_first_place => "duplicate-key",
    wrong_value_type_shows_the_expected_form => "wrong-value-type",
    empty_steps_is_reported => "empty-steps",
    empty_targets_is_reported => "empty-targets",
    query_and_document_together_are_refused => "query-and-document",
    missing_document_names_the_resolved_path => "missing-document",
    operation_not_in_document_suggests_one => "operation-not-in-document",
    several_operations_need_an_operation_key => "several-operations",
    operation_without_document_is_refused => "operation-without-document",
    unknown_graphql_field_points_into_the_query => "unknown-graphql-field",
    graphql_error_in_a_document_points_into_the_file => "graphql-error-in-document",
    an_error_in_a_shared_document_is_reported_once => "shared-document-error",
    wrong_graphql_argument_type_is_reported => "wrong-argument-type",
    graphql_syntax_error_is_reported => "graphql-syntax-error",
    subscriptions_are_refused => "subscription",
    missing_required_variable_names_it_and_its_type => "missing-required-variable",
    undeclared_variable_suggests_a_declared_one => "undeclared-variable",
    wrong_literal_variable_value_is_coerced_and_refused => "wrong-variable-value",
    bad_jsonpath_points_at_the_character => "bad-jsonpath",
    capture_used_before_it_is_set_names_the_step => "capture-before-set",
    unknown_capture_suggests_a_known_one => "unknown-capture",
    bad_template_syntax_is_reported => "bad-template",
    invalid_capture_name_is_reported => "invalid-capture-name",
    bad_regex_is_reported => "bad-regex",
    unknown_type_suggests_a_json_type => "unknown-type",
    assertion_without_predicate_is_reported => "assertion-without-predicate",
    negative_length_is_refused => "negative-length",
    status_out_of_range_is_refused => "status-out-of-range",
    unknown_errors_keyword_suggests_one => "unknown-errors-keyword",
    error_matcher_without_field_is_refused => "error-matcher-without-field",
    duplicate_case_names_are_refused => "duplicate-case-names",
    duplicate_step_names_are_refused => "duplicate-step-names",
    invalid_case_name_suggests_a_valid_one => "invalid-case-name",
    invalid_lock_name_suggests_a_valid_one => "invalid-lock-name",
    bad_redaction_selector_is_refused_without_panicking => "bad-redaction-selector",
    duplicate_capture_names_are_refused => "duplicate-capture",
    a_step_without_query_or_document_is_refused => "no-query",
    an_empty_query_is_refused => "empty-query",
    graphql_errors_in_quoted_strings_still_point_at_the_query => "quoted-query-error",
    invalid_env_name_is_refused => "invalid-env-name",
    a_path_starting_with_data_is_refused => "path-starts-with-data",
    a_path_to_an_unselected_field_is_refused => "path-not-selected",
    a_name_after_a_list_is_refused => "path-through-list",
    several_problems_are_all_reported => "several-problems",
    unknown_profile_suggests_a_target_or_reserved_name => "unknown-profile",
    unknown_auth_class_suggests_one => "unknown-auth-class",
    a_status_an_auth_class_never_has_is_refused => "impossible-auth-status",
    keeping_an_unknown_capture_in_the_snapshot_suggests_one => "keep-unknown-capture",
    a_shared_snapshot_needs_a_snapshotted_step => "shared-snapshot-without-snapshot",
}

#[test]
fn every_broken_fixture_has_a_test() {
    let files = suite::discover(Path::new(BROKEN)).expect("broken fixtures");
    let mut found: Vec<String> = files
        .iter()
        .map(|f| suite::suite_id(Path::new(BROKEN), f))
        .collect();
    let mut listed: Vec<&str> = BROKEN_FIXTURES.to_vec();
    found.sort();
    listed.sort_unstable();
    assert_eq!(found, listed);
}

#[test]
fn graphql_errors_point_at_the_field_inside_the_yaml_block() {
    let failure = load_broken("unknown-graphql-field");
    let d = &failure.diagnostics[0];
    assert_eq!((d.line, d.col, d.len), (9, 33, 9));
    let line = d.source_line.as_deref().unwrap_or_default();
    let underlined: String = line
        .chars()
        .skip(d.col as usize - 1)
        .take(d.len as usize)
        .collect();
    assert_eq!(underlined, "partNumbr");
}

#[test]
fn graphql_errors_in_documents_point_into_the_graphql_file_and_name_the_step() {
    let failure = load_broken("graphql-error-in-document");
    let d = &failure.diagnostics[0];
    assert_eq!(
        d.file,
        Path::new("tests/fixtures/broken/documents/unknown-field.graphql")
    );
    assert_eq!((d.line, d.col), (4, 5));
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("step 'get-part'")
                && n.contains("graphql-error-in-document.yaml:5:9")),
        "{:?}",
        d.notes
    );
}

#[test]
fn every_problem_of_a_file_is_reported_in_file_order() {
    let failure = load_broken("several-problems");
    let places: Vec<(u32, u32)> = failure
        .diagnostics
        .iter()
        .map(|d| (d.line, d.col))
        .collect();
    assert_eq!(places, [(8, 54), (14, 43), (17, 25), (21, 21)]);
}

#[test]
fn discovery_finds_suites_recursively_and_skips_the_rest() {
    let files = suite::discover(Path::new(VALID)).expect("valid fixtures");
    let ids: Vec<String> = files
        .iter()
        .map(|f| suite::suite_id(Path::new(VALID), f))
        .collect();
    // Not: targets.yaml (top level), _drafts/, schema/.
    assert_eq!(
        ids,
        ["account/me", "auth", "mutations", "parts", "throttle"]
    );
    assert_eq!(files[0], Path::new("tests/fixtures/valid/account/me.yaml"));
}

#[test]
fn discovery_of_a_missing_directory_is_an_error() {
    let err = suite::discover(Path::new("tests/fixtures/no-such-dir")).expect_err("missing dir");
    assert_eq!(err.dir, Path::new("tests/fixtures/no-such-dir"));
    assert!(
        err.to_string().contains("'tests/fixtures/no-such-dir'"),
        "{err}"
    );
}

#[test]
fn load_dir_loads_each_suite_on_its_own() {
    let loaded = suite::load_dir(Path::new(VALID), &context()).expect("valid fixtures");
    let ids: Vec<&str> = loaded
        .iter()
        .map(|r| r.as_ref().map_or("failed", |s| s.id.as_str()))
        .collect();
    assert_eq!(
        ids,
        ["account/me", "auth", "mutations", "parts", "throttle"]
    );
    let broken = suite::load_dir(Path::new(BROKEN), &context()).expect("broken fixtures");
    assert_eq!(broken.len(), BROKEN_FIXTURES.len());
    assert!(broken.iter().all(Result::is_err));
}

#[test]
fn inline_queries_load_into_the_model() {
    let suite = load_valid("parts");
    assert_eq!(suite.id, "parts");
    assert_eq!(suite.file, Path::new("tests/fixtures/valid/parts.yaml"));
    assert_eq!(suite.name, "Parts");
    assert_eq!(
        suite.description.as_deref(),
        Some("Reading parts page by page")
    );
    assert_eq!(suite.tags, ["parts", "read"]);
    assert_eq!(
        suite.targets.as_deref(),
        Some(&["mock".to_owned(), "sandbox".to_owned()][..])
    );
    assert_eq!(suite.redactions.len(), 1);
    assert_eq!(
        suite.redactions[0].selector,
        ".case[\"first-page\"].data.parts.edges[].node._etag"
    );
    assert_eq!(suite.redactions[0].replacement, "[etag]");
    assert_eq!(
        (suite.redactions[0].at.line, suite.redactions[0].at.col),
        (6, 3)
    );
    assert_eq!(suite.cases.len(), 2);

    let case = &suite.cases[0];
    assert_eq!(case.name, "list-paginates");
    assert_eq!((case.at.line, case.at.col), (8, 5));
    assert_eq!(case.steps.len(), 2);

    let first = &case.steps[0];
    assert_eq!(first.name, "first-page");
    assert_eq!(first.operation.kind, OperationKind::Query);
    assert_eq!(first.operation.operation_name.as_deref(), Some("FirstPage"));
    assert_eq!(first.operation.document, None);
    assert!(
        first
            .operation
            .source
            .starts_with("query FirstPage($n: Int) {\n  parts("),
        "{}",
        first.operation.source
    );
    assert_eq!(Value::Object(first.variables.clone()), json!({"n": 2}));
    assert_eq!(first.expect.status, Some(200));
    assert_eq!(first.expect.auth, None);
    assert_eq!(first.profile, None);
    assert!(matches!(first.expect.errors, ErrorsExpectation::None));
    let data = &first.expect.data;
    assert_eq!(data.len(), 3);
    assert_eq!(
        (data[0].path.raw.as_str(), data[0].path.singular),
        ("$.parts.pageInfo.count", true)
    );
    assert!(matches!(&data[0].predicates[..], [Predicate::Equals(v)] if *v == json!(2)));
    assert!(!data[1].path.singular, "a wildcard path selects a list");
    assert!(matches!(
        &data[1].predicates[..],
        [Predicate::Type(JsonType::Array), Predicate::Length(2)]
    ));
    assert!(matches!(&data[2].predicates[..], [Predicate::Matches(re)] if re.is_match("PN-12")));
    let captures: Vec<(&str, bool)> = first
        .captures
        .iter()
        .map(|c| (c.name.as_str(), c.path.singular))
        .collect();
    assert_eq!(captures, [("cursor", true), ("first_id", true)]);
    assert_eq!(first.snapshot.as_deref(), Some("first-page"));

    let second = &case.steps[1];
    assert_eq!(
        second.variables.get("after"),
        Some(&json!("${cursor}")),
        "templates are kept for the runner"
    );
    assert_eq!(second.snapshot.as_deref(), Some("page-2"));
    assert!(
        !second.expect.data[1].path.singular,
        "a filter selects a list"
    );
    assert!(matches!(
        &second.expect.data[1].predicates[..],
        [Predicate::Absent(true)]
    ));

    let anonymous = &suite.cases[1].steps[0];
    assert_eq!(anonymous.name, "step-1");
    assert_eq!(anonymous.operation.operation_name, None);
    assert!(
        matches!(&anonymous.expect.data[0].predicates[..], [Predicate::OneOf(v)] if *v == [json!(null), json!("Bracket")])
    );
    assert!(
        matches!(&anonymous.expect.data[1].predicates[..], [Predicate::Min(a), Predicate::Max(b)] if *a == 1.0 && *b == 100_000.0)
    );
    assert_eq!(anonymous.snapshot, None);
}

#[test]
fn document_steps_load_the_graphql_file() {
    let suite = load_valid("mutations");
    let steps = &suite.cases[0].steps;
    assert_eq!(steps.len(), 3);
    let document =
        std::fs::read_to_string("tests/fixtures/valid/documents/parts.graphql").expect("document");
    for (step, name) in steps.iter().zip(["CreatePart", "UpdatePart", "UpdatePart"]) {
        assert_eq!(step.operation.kind, OperationKind::Mutation);
        assert_eq!(step.operation.operation_name.as_deref(), Some(name));
        assert_eq!(
            step.operation.document.as_deref(),
            Some(Path::new("tests/fixtures/valid/documents/parts.graphql"))
        );
        assert_eq!(step.operation.source, document);
    }
    let captures: Vec<&str> = steps[0].captures.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(captures, ["id", "etag"]);
    assert_eq!(
        steps[0].variables.get("input"),
        Some(
            &json!({"partNumber": "PN-${env:RUN_ID}", "description": "Bracket", "partType": "PART"})
        )
    );
    assert!(
        matches!(&steps[1].expect.data[0].predicates[..], [Predicate::Equals(v)] if *v == json!("${id}"))
    );
    match &steps[2].expect.errors {
        ErrorsExpectation::Match(matchers) => {
            assert_eq!(matchers.len(), 1);
            assert_eq!(matchers[0].code.as_deref(), Some("CONCURRENCY_CONFLICT"));
            assert_eq!(matchers[0].path, Some(vec![json!("updatePart")]));
        }
        other => panic!("expected matchers, got {other:?}"),
    }
    assert!(
        matches!(
            &steps[2].expect.data[0].predicates[..],
            [Predicate::Equals(Value::Null)]
        ),
        "`equals: null` means null"
    );
}

#[test]
fn a_missing_suite_file_is_a_located_failure() {
    let failure = load(VALID, "no-such-suite").expect_err("missing file");
    assert_eq!(failure.diagnostics.len(), 1);
    assert_eq!(
        failure.diagnostics[0].location(),
        "tests/fixtures/valid/no-such-suite.yaml:1:1"
    );
    assert!(
        failure
            .to_string()
            .contains("cannot read suite file: no such file"),
        "{failure}"
    );
}
