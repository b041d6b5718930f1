//! `suite::template`: references, type-keeping resolution, escapes and missing names.

use ion_contract::suite::template::{self, TemplateError, TemplateRef};
use serde_json::{Map, Value, json};

fn captures() -> Map<String, Value> {
    let Value::Object(map) =
        json!({"id": 42, "cursor": "abc", "obj": {"a": [1, true]}, "nothing": null})
    else {
        unreachable!()
    };
    map
}

fn env(name: &str) -> Option<String> {
    (name == "RUN_ID").then(|| "7".to_owned())
}

#[test]
fn references_lists_captures_and_env_vars_in_order() {
    let refs =
        template::references("${id}-${env:RUN_ID} costs $5, not $${literal}").expect("parses");
    assert_eq!(
        refs,
        [
            TemplateRef::Capture("id".into()),
            TemplateRef::Env("RUN_ID".into())
        ]
    );
    assert_eq!(
        template::references("plain $ and $$ text").expect("parses"),
        []
    );
}

#[test]
fn a_whole_template_keeps_the_captured_type() {
    let resolved = template::resolve(
        &json!({"n": "${id}", "o": "${obj}", "z": "${nothing}"}),
        &captures(),
        &env,
    );
    assert_eq!(
        resolved,
        Ok(json!({"n": 42, "o": {"a": [1, true]}, "z": null}))
    );
}

#[test]
fn templates_inside_text_are_spliced_as_text() {
    let value = json!([
        "id-${id}",
        "after ${cursor}",
        "${obj}!",
        "run ${env:RUN_ID}",
        ["${cursor}"]
    ]);
    let resolved = template::resolve(&value, &captures(), &env);
    assert_eq!(
        resolved,
        Ok(json!([
            "id-42",
            "after abc",
            "{\"a\":[1,true]}!",
            "run 7",
            ["abc"]
        ]))
    );
}

#[test]
fn escapes_and_non_strings_are_left_alone() {
    let value = json!({"${id}": "$${id}", "n": 1.5, "b": false, "s": "a $ b $$"});
    let resolved = template::resolve(&value, &captures(), &env);
    assert_eq!(
        resolved,
        Ok(json!({"${id}": "${id}", "n": 1.5, "b": false, "s": "a $ b $$"}))
    );
}

#[test]
fn missing_captures_and_variables_are_named() {
    let missing = template::resolve(&json!("${cursr}"), &captures(), &env);
    assert_eq!(
        missing,
        Err(TemplateError::MissingCapture {
            name: "cursr".into()
        })
    );
    let missing = template::resolve(&json!(["x ${env:ION_TOKEN}"]), &captures(), &env);
    assert_eq!(
        missing,
        Err(TemplateError::MissingEnv {
            name: "ION_TOKEN".into()
        })
    );
    assert!(
        missing
            .expect_err("missing")
            .to_string()
            .contains("ION_TOKEN")
    );
}

#[test]
fn template_syntax_errors_say_where() {
    assert_eq!(
        template::references("ab${id"),
        Err(TemplateError::Unclosed { offset: 2 })
    );
    assert_eq!(
        template::references("${}"),
        Err(TemplateError::Empty { offset: 0 })
    );
    assert_eq!(
        template::references("x ${part id}"),
        Err(TemplateError::InvalidName {
            name: "part id".into(),
            offset: 2
        })
    );
    assert_eq!(
        template::references("${env:MY-VAR}"),
        Err(TemplateError::InvalidEnvName {
            name: "MY-VAR".into(),
            offset: 0
        })
    );
    assert_eq!(TemplateError::Unclosed { offset: 2 }.offset(), Some(2));
}
