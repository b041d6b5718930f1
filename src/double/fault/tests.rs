//! Tests of fault rules and how they break an answer.

use std::time::Duration;

use super::*;

fn rule(value: Value) -> Result<FaultRule, String> {
    FaultRule::from_json(&value).map_err(|e| e.to_string())
}

#[test]
fn rules_read_and_show_back_the_same() {
    let written = json!({"kind": "status", "status": 503, "delay_ms": 1500, "operation": "Parts", "times": 2});
    assert_eq!(rule(written.clone()).unwrap().to_json(), written);
    assert_eq!(
        rule(json!({"kind": "status"})).unwrap().kind,
        FaultKind::Status(502)
    );
}

#[test]
fn bad_rules_say_which_field_and_what_fits() {
    let cases = [
        (json!({"kind": "explode"}), "unknown fault kind `explode`"),
        (json!({}), "a fault needs `kind`"),
        (
            json!({"kind": "status", "status": 404}),
            "`status` must be 500, 502, 503 or 504",
        ),
        (
            json!({"kind": "not-json", "status": 500}),
            "`status` goes with `kind: status` only",
        ),
        (json!({"kind": "delay"}), "a `delay` fault needs `delay_ms`"),
        (
            json!({"kind": "delay", "delay_ms": -1}),
            "`delay_ms` must be",
        ),
        (json!({"kind": "not-json", "times": 0}), "`times` must be"),
        (
            json!({"kind": "not-json", "operation": 3}),
            "`operation` must be",
        ),
        (
            json!({"kind": "not-json", "every": 3}),
            "unknown fault field `every`",
        ),
        (json!([1]), "a fault is a JSON object"),
    ];
    for (value, expected) in cases {
        let error = rule(value.clone()).unwrap_err();
        assert!(error.contains(expected), "{value}: {error}");
    }
}

#[test]
fn the_first_matching_rule_applies_and_runs_out() {
    let mut faults = Faults::default();
    faults
        .add(br#"[{"kind": "not-json", "operation": "Parts", "times": 2}, {"kind": "partial-data"}]"#)
        .unwrap();
    let parts = OperationNames(vec!["Parts".into(), "parts".into()]);
    let me = OperationNames(vec!["me".into()]);
    let kinds = |faults: &mut Faults, names: &OperationNames| faults.take(names).map(|r| r.kind);
    assert_eq!(kinds(&mut faults, &me), Some(FaultKind::PartialData));
    assert_eq!(kinds(&mut faults, &parts), Some(FaultKind::NotJson));
    assert_eq!(kinds(&mut faults, &parts), Some(FaultKind::NotJson));
    assert_eq!(kinds(&mut faults, &parts), Some(FaultKind::PartialData));
    assert!(
        faults
            .add(br#"[{"kind": "not-json"}, {"kind": "nope"}]"#)
            .unwrap_err()
            .starts_with("fault 2:")
    );
    assert_eq!(faults.to_json()["faults"].as_array().map(Vec::len), Some(1));
}

#[test]
fn names_are_the_operation_name_and_the_root_fields() {
    let body = br#"{"query": "query Parts { parts { edges { node { id } } } me { id } }", "operationName": "Parts"}"#;
    assert_eq!(names(body).0, ["Parts", "Parts", "parts", "me"]);
    assert!(names(b"not json").0.is_empty());
    assert_eq!(names(br#"[{"query": "{ me { id } }"}]"#).0, ["me"]);
}

#[test]
fn body_faults_break_the_answer_the_request_got() {
    let answered = || Reply::json(200, &json!({"data": {"me": {"id": 1}}}));
    let of = |kind| FaultRule {
        kind,
        delay: Duration::from_millis(5),
        operation: None,
        times: None,
    };
    let truncated = apply(&of(FaultKind::TruncatedBody), answered);
    assert!(serde_json::from_slice::<Value>(&truncated.body).is_err());
    assert_eq!(truncated.wire.delay, Duration::from_millis(5));
    let page = apply(&of(FaultKind::Status(503)), || unreachable!("not run"));
    assert_eq!((page.status, page.content_type), (503, HTML));
    let cut = apply(&of(FaultKind::ResetBeforeHeaders), || {
        unreachable!("not run")
    });
    assert_eq!(cut.wire.cut, Some(Cut::BeforeHeaders));
    let after = apply(&of(FaultKind::ResetAfterHeaders), answered);
    assert_eq!(
        (after.status, after.wire.cut),
        (200, Some(Cut::AfterHeaders))
    );
    let empty = apply(&of(FaultKind::NoDataOrErrors), answered);
    assert_eq!(empty.body, br#"{"status":"ok"}"#);
    let partial = apply(&of(FaultKind::PartialData), answered);
    let partial: Value = serde_json::from_slice(&partial.body).unwrap();
    assert_eq!(partial["data"]["me"], json!({"id": null}));
}

#[test]
fn partial_data_nulls_one_field_and_says_where() {
    let got = partial(&json!({"data": {"me": {"id": 1, "email": "a@b"}, "parts": null}}));
    assert_eq!(
        got["data"],
        json!({"me": {"id": 1, "email": null}, "parts": null})
    );
    assert_eq!(got["errors"][0]["path"], json!(["me", "email"]));
    let scalar = partial(&json!({"data": {"count": 3}}));
    assert_eq!(scalar["data"], json!({"count": null}));
    assert_eq!(scalar["errors"][0]["path"], json!(["count"]));
}

#[test]
fn a_rule_is_one_serde_type_with_the_same_messages() {
    let written = json!({"kind": "reset-after-headers", "operation": "CreatePart", "times": 1});
    let read: FaultRule = serde_json::from_value(written.clone()).unwrap();
    assert_eq!(read.kind, FaultKind::ResetAfterHeaders);
    assert_eq!(serde_json::to_value(&read).unwrap(), written);
    let refused = serde_json::from_value::<FaultRule>(json!({"kind": "explode"})).unwrap_err();
    assert!(
        refused
            .to_string()
            .starts_with("unknown fault kind `explode`; use one of delay, status,"),
        "{refused}"
    );
}

#[test]
fn every_kind_reads_back_by_its_name() {
    assert_eq!(KINDS.len(), rule::ALL_KINDS.len());
    for (kind, name) in rule::ALL_KINDS.into_iter().zip(KINDS) {
        let mut written = json!({"kind": name});
        if kind == FaultKind::Delay {
            written["delay_ms"] = json!(10);
        }
        assert_eq!(rule(written).unwrap().kind, kind, "{name}");
    }
}
