//! The checks: every predicate, error matchers, authorisation classes and captures, on
//! hand-built responses.

use ion_contract::auth::AuthClass;
use ion_contract::check::{Observed, capture, check};
use ion_contract::suite::{
    Capture, DataAssertion, DataPath, ErrorMatcher, ErrorsExpectation, Expect, JsonType, Location,
    Predicate,
};
use regex::Regex;
use rstest::rstest;
use serde_json::{Value, json};
use serde_json_path::JsonPath;

fn path(raw: &str, singular: bool) -> DataPath {
    DataPath {
        raw: raw.into(),
        path: JsonPath::parse(raw).expect("test paths parse"),
        singular,
    }
}

fn at(line: u32) -> Location {
    Location { line, col: 7 }
}

fn expect_data(raw: &str, singular: bool, predicates: Vec<Predicate>) -> Expect {
    Expect {
        status: Some(200),
        auth: None,
        errors: ErrorsExpectation::None,
        retry_after: None,
        failure: None,
        data: vec![DataAssertion {
            path: path(raw, singular),
            predicates,
            at: at(12),
        }],
    }
}

fn data() -> Value {
    json!({"parts": {"edges": [
        {"node": {"id": 1, "partNumber": "ICT-100", "cost": 12.5, "description": null}},
        {"node": {"id": 2, "partNumber": "ICT-200", "cost": 3, "description": "bolt"}}
    ], "pageInfo": {"count": 2, "totalCount": 10}}})
}

fn no_templates(v: &Value) -> Result<Value, String> {
    Ok(v.clone())
}

fn run(expect: &Expect, status: u16, errors: &[Value]) -> Vec<String> {
    run_refused(expect, status, None, errors)
}

/// [`run`] for a response of authorisation failure class `auth`.
fn run_refused(
    expect: &Expect,
    status: u16,
    auth: Option<AuthClass>,
    errors: &[Value],
) -> Vec<String> {
    let data = data();
    let observed = Observed {
        status,
        auth,
        data: &data,
        errors,
        retry_after: None,
    };
    check(expect, at(3), observed, &no_templates)
        .into_iter()
        .map(|m| {
            format!(
                "{}:{} {} | expected {} | actual {}",
                m.at.line, m.at.col, m.subject, m.expected, m.actual
            )
        })
        .collect()
}

#[rstest]
#[case::equals(Predicate::Equals(json!("ICT-100")), "$.parts.edges[0].node.partNumber")]
#[case::equals_number_by_value(Predicate::Equals(json!(2.0)), "$.parts.pageInfo.count")]
#[case::exists_even_when_null(Predicate::Exists(true), "$.parts.edges[0].node.description")]
#[case::absent(Predicate::Absent(true), "$.parts.edges[0].node.nope")]
#[case::integer(Predicate::Type(JsonType::Integer), "$.parts.pageInfo.totalCount")]
#[case::null(Predicate::Type(JsonType::Null), "$.parts.edges[0].node.description")]
#[case::matches(Predicate::Matches(Regex::new("^ICT-\\d+$").unwrap()), "$.parts.edges[1].node.partNumber")]
#[case::length_of_array(Predicate::Length(2), "$.parts.edges")]
#[case::length_of_string(Predicate::Length(7), "$.parts.edges[0].node.partNumber")]
#[case::min(Predicate::Min(10.0), "$.parts.pageInfo.totalCount")]
#[case::max(Predicate::Max(12.5), "$.parts.edges[0].node.cost")]
#[case::contains_substring(Predicate::Contains(json!("CT-1")), "$.parts.edges[0].node.partNumber")]
#[case::contains_key(Predicate::Contains(json!("totalCount")), "$.parts.pageInfo")]
#[case::one_of(Predicate::OneOf(vec![json!(5), json!(10)]), "$.parts.pageInfo.totalCount")]
fn a_predicate_that_holds_reports_nothing(#[case] predicate: Predicate, #[case] raw: &str) {
    let expect = expect_data(raw, true, vec![predicate]);
    assert_eq!(run(&expect, 200, &[]), Vec::<String>::new());
}

#[rstest]
#[case::equals(Predicate::Equals(json!("ICT-999")), "$.parts.edges[0].node.partNumber", "\"ICT-999\"", "\"ICT-100\"")]
#[case::missing_value(Predicate::Equals(json!(1)), "$.parts.nope", "1", "nothing: the path selects no value")]
#[case::exists(Predicate::Exists(true), "$.parts.nope", "a value", "nothing")]
#[case::absent(Predicate::Absent(true), "$.parts.pageInfo.count", "nothing", "2")]
#[case::type_(
    Predicate::Type(JsonType::String),
    "$.parts.pageInfo.count",
    "a value of type string",
    "2"
)]
#[case::integer_is_not_float(
    Predicate::Type(JsonType::Integer),
    "$.parts.edges[0].node.cost",
    "a value of type integer",
    "12.5"
)]
#[case::length(Predicate::Length(3), "$.parts.edges", "length 3", "length 2: ")]
#[case::min(
    Predicate::Min(11.0),
    "$.parts.pageInfo.totalCount",
    "a number >= 11",
    "10"
)]
#[case::max(
    Predicate::Max(9.0),
    "$.parts.pageInfo.totalCount",
    "a number <= 9",
    "10"
)]
#[case::matches_non_string(Predicate::Matches(Regex::new(".*").unwrap()), "$.parts.pageInfo.count", "a string matching /.*/", "2")]
#[case::one_of(Predicate::OneOf(vec![json!(1)]), "$.parts.pageInfo.count", "one of [1]", "2")]
fn a_predicate_that_fails_says_expected_and_actual(
    #[case] predicate: Predicate,
    #[case] raw: &str,
    #[case] expected: &str,
    #[case] actual_prefix: &str,
) {
    let expect = expect_data(raw, true, vec![predicate]);
    let report = run(&expect, 200, &[]);
    assert_eq!(report.len(), 1, "{report:?}");
    assert!(
        report[0].starts_with(&format!("12:7 {raw} ")),
        "{}",
        report[0]
    );
    assert!(
        report[0].contains(&format!("| expected {expected} |")),
        "{}",
        report[0]
    );
    assert!(
        report[0].contains(&format!("| actual {actual_prefix}")),
        "{}",
        report[0]
    );
}

#[test]
fn a_list_path_tests_the_array_of_every_selected_value() {
    let ok = expect_data(
        "$.parts.edges[*].node.partNumber",
        false,
        vec![Predicate::Length(2), Predicate::Contains(json!("ICT-200"))],
    );
    assert_eq!(run(&ok, 200, &[]), Vec::<String>::new());
    let empty = expect_data(
        "$.parts.edges[?@.node.id > 5]",
        false,
        vec![Predicate::Absent(true)],
    );
    assert_eq!(run(&empty, 200, &[]), Vec::<String>::new());
    let wrong = expect_data(
        "$.parts.edges[*].node.id",
        false,
        vec![Predicate::Equals(json!([1, 3]))],
    );
    assert_eq!(run(&wrong, 200, &[]).len(), 1);
}

#[test]
fn status_and_unexpected_errors_are_reported_together() {
    let expect = expect_data(
        "$.parts.pageInfo.count",
        true,
        vec![Predicate::Equals(json!(2))],
    );
    let errors = [json!({"message": "boom"})];
    let report = run(&expect, 500, &errors);
    assert_eq!(report.len(), 2, "{report:?}");
    assert!(report[0].contains("HTTP status | expected 200 | actual 500"));
    assert!(report[1].contains("GraphQL errors"));
    assert!(report[1].contains("1 error(s): \"boom\""));
}

#[test]
fn error_matchers_each_need_a_distinct_matching_error() {
    let matcher = |contains: &str, code: Option<&str>| ErrorMatcher {
        message: None,
        contains: Some(contains.into()),
        code: code.map(Into::into),
        path: Some(vec![json!("updatePart")]),
        at: at(20),
    };
    let errors = [
        json!({"message": "The _etag mismatch.", "path": ["updatePart"],
        "extensions": {"code": "CONCURRENCY_CONFLICT"}}),
    ];
    let mut expect = expect_data("$.parts", true, vec![Predicate::Exists(true)]);
    expect.errors = ErrorsExpectation::Match(vec![matcher("etag", Some("CONCURRENCY_CONFLICT"))]);
    assert_eq!(run(&expect, 200, &errors), Vec::<String>::new());

    expect.errors = ErrorsExpectation::Match(vec![matcher("etag", None), matcher("etag", None)]);
    let report = run(&expect, 200, &errors);
    assert_eq!(
        report.len(),
        1,
        "the one error cannot satisfy two matchers: {report:?}"
    );
    assert!(report[0].starts_with("20:7 GraphQL error"));

    expect.errors = ErrorsExpectation::Any;
    assert_eq!(run(&expect, 200, &[]).len(), 1, "`any` needs an error");
}

/// A step with `expect: {auth: <class>}` and nothing else, as the loader builds it.
fn expect_auth(class: AuthClass) -> Expect {
    Expect {
        status: None,
        auth: Some(class),
        errors: ErrorsExpectation::Unchecked,
        retry_after: None,
        data: Vec::new(),
        failure: None,
    }
}

#[test]
fn an_auth_class_other_than_the_expected_one_is_a_mismatch() {
    let refused = [json!({"message": "Token is expired."})];
    let expect = expect_auth(AuthClass::WrongEnvironment);
    let report = run_refused(&expect, 401, Some(AuthClass::Expired), &refused);
    assert_eq!(
        report,
        [format!(
            "3:7 auth | expected wrong-environment (ION refuses the request: {}) | actual expired (HTTP 401)",
            AuthClass::WrongEnvironment.meaning()
        )]
    );
    let report = run_refused(&expect, 200, None, &[]);
    assert_eq!(report.len(), 1, "{report:?}");
    assert!(
        report[0].ends_with("| actual not refused (HTTP 200)"),
        "{}",
        report[0]
    );
}

#[test]
fn an_expected_auth_class_skips_the_default_status_and_errors_checks() {
    let refused = [json!({"message": "Unable to find appropriate RSA key"})];
    let expect = expect_auth(AuthClass::WrongEnvironment);
    let report = run_refused(&expect, 401, Some(AuthClass::WrongEnvironment), &refused);
    assert_eq!(report, Vec::<String>::new());
    // Written explicitly, status and errors are still checked.
    let mut strict = expect_auth(AuthClass::Forbidden);
    strict.status = Some(403);
    strict.errors = ErrorsExpectation::None;
    let report = run_refused(&strict, 200, Some(AuthClass::Forbidden), &refused);
    assert_eq!(report.len(), 2, "{report:?}");
    assert!(report[0].contains("HTTP status | expected 403 | actual 200"));
    assert!(report[1].contains("GraphQL errors"));
}

#[test]
fn data_assertions_still_apply_with_an_expected_auth_class() {
    let mut expect = expect_data(
        "$.parts.pageInfo.count",
        true,
        vec![Predicate::Equals(json!(3))],
    );
    expect.auth = Some(AuthClass::Forbidden);
    expect.status = None;
    expect.errors = ErrorsExpectation::Unchecked;
    let report = run_refused(&expect, 200, Some(AuthClass::Forbidden), &[]);
    assert_eq!(report.len(), 1, "{report:?}");
    assert!(
        report[0].starts_with("12:7 $.parts.pageInfo.count"),
        "{}",
        report[0]
    );
}

#[test]
fn expected_values_go_through_templates_and_template_errors_are_mismatches() {
    let expect = expect_data(
        "$.parts.edges[0].node.id",
        true,
        vec![Predicate::Equals(json!("${id}"))],
    );
    let data = data();
    let observed = Observed {
        status: 200,
        auth: None,
        data: &data,
        errors: &[],
        retry_after: None,
    };
    let resolved = |_: &Value| Ok(json!(1));
    assert!(check(&expect, at(1), observed, &resolved).is_empty());
    let failing = |_: &Value| Err("no capture named `id`".to_string());
    let report = check(&expect, at(1), observed, &failing);
    assert_eq!(report.len(), 1);
    assert_eq!(report[0].actual, "no capture named `id`");
}

#[test]
fn a_capture_needs_exactly_one_value() {
    let one = Capture {
        name: "first".into(),
        path: path("$.parts.edges[0].node.id", true),
        at: at(30),
    };
    let many = Capture {
        name: "all".into(),
        path: path("$.parts.edges[*].node.id", false),
        at: at(31),
    };
    let none = Capture {
        name: "gone".into(),
        path: path("$.nothing", true),
        at: at(32),
    };
    let values = capture(std::slice::from_ref(&one), &data()).expect("one value");
    assert_eq!(values.get("first"), Some(&json!(1)));
    let problems = capture(&[one, many, none], &data()).expect_err("two bad captures");
    let summary: Vec<(u32, String)> = problems
        .iter()
        .map(|p| (p.at.line, p.actual.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![(31, "2 value(s)".into()), (32, "0 value(s)".into())]
    );
}

#[test]
fn retry_after_expectations_hold_or_say_what_came() {
    use std::time::Duration;

    use ion_contract::suite::RetryAfterExpectation as R;
    let data = data();
    let run = |expected: R, seen: Option<Option<Duration>>| {
        let expect = Expect {
            status: Some(429),
            auth: None,
            errors: ErrorsExpectation::Unchecked,
            retry_after: Some(expected),
            data: Vec::new(),
            failure: None,
        };
        let observed = Observed {
            status: 429,
            auth: None,
            data: &data,
            errors: &[],
            retry_after: seen,
        };
        check(&expect, at(2), observed, &no_templates)
            .into_iter()
            .map(|m| {
                format!(
                    "{}: expected {}, actual {}",
                    m.subject, m.expected, m.actual
                )
            })
            .collect::<Vec<_>>()
    };
    let secs = |s| Some(Some(Duration::from_secs(s)));
    assert!(run(R::Present, secs(3)).is_empty());
    assert!(run(R::Absent, None).is_empty());
    assert!(run(R::AtMost(Duration::from_secs(5)), secs(5)).is_empty());
    assert_eq!(
        run(R::AtMost(Duration::from_secs(5)), secs(6)),
        ["Retry-After: expected a Retry-After of at most 5s, actual Retry-After asking for 6s"]
    );
    assert_eq!(
        run(R::Present, None),
        [
            "Retry-After: expected a Retry-After header (seconds or an HTTP-date), actual no Retry-After header"
        ]
    );
    assert_eq!(
        run(R::Absent, Some(None)),
        [
            "Retry-After: expected no Retry-After header, actual a Retry-After header that is neither seconds nor an HTTP-date"
        ]
    );
}
