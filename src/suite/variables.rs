//! A step's `variables:` against the variables its operation declares.
//!
//! - every variable declared non-null without a default must be given;
//! - every variable given must be declared (with a did-you-mean over the declared ones);
//! - a literal value (one without `${...}` templates) must coerce to the declared type, as
//!   the server would coerce it (`apollo_compiler::request::coerce_variable_values`). Values
//!   with templates are only known at run time and are checked by the server then.
//!
//! Coercion is done one variable at a time (on a copy of the operation that declares only
//! that variable), so each wrong value gets its own diagnostic instead of only the first.

use apollo_compiler::Schema;
use apollo_compiler::ast::Type;
use apollo_compiler::request::coerce_variable_values;
use apollo_compiler::response::JsonMap;
use apollo_compiler::schema::ExtendedType;
use serde_json::{Map, Value};

use crate::diagnostic::Diagnostic;
use std::sync::LazyLock;

use regex::Regex;

use crate::suite::format::{Entries, Entry, Node, NodeValue, Spanned};
use crate::suite::graphql::{Resolved, StepScope};
use crate::suite::template;
use crate::yaml::source::Pos;
use crate::yaml::suggest;

/// Checks the given variables against the operation's declarations.
pub(crate) fn check(
    scope: &StepScope<'_>,
    resolved: &Resolved,
    given: Option<&Spanned<Entries<Node>>>,
    diags: &mut Vec<Diagnostic>,
) {
    let entries: &[(Spanned<String>, Node)] = given.map_or(&[], |g| g.value.0.as_slice());
    let op_name = resolved
        .operation
        .operation_name
        .as_deref()
        .map_or_else(|| "the operation".to_owned(), |n| format!("operation {n}"));
    let declared: Vec<String> = resolved
        .variables
        .iter()
        .map(|v| format!("${}: {}", v.name, v.ty))
        .collect();

    for def in &resolved.variables {
        let name = def.name.as_str();
        let present = entries.iter().any(|(k, _)| k.value == name);
        if present || !def.ty.is_non_null() || def.default_value.is_some() {
            continue;
        }
        let at = given.map_or(scope.step_at, |g| Pos::from(g.referenced));
        let example = example_value(scope.schema, &def.ty, 0);
        let label = if given.is_some() {
            format!("`{name}` is not among these")
        } else {
            "this step has no `variables:`".to_owned()
        };
        diags.push(
            scope
                .src
                .diag(at, format!("missing required variable '${name}' ({}) of {op_name}", def.ty))
                .with_label(label)
                .with_help(format!(
                    "add it under the step's `variables:`, e.g. `{name}: {example}` (a template such as `\"${{captured_id}}\"` works too)"
                ))
                .with_note(format!("in {}", scope.context)),
        );
    }

    for (key, value) in entries {
        let Some(def) = resolved
            .variables
            .iter()
            .find(|v| v.name.as_str() == key.value)
        else {
            let names = resolved.variables.iter().map(|v| v.name.as_str());
            let message = format!(
                "variable '{}' is not declared by {op_name}{}",
                key.value,
                suggest::suffix(&key.value, names)
            );
            let help = if declared.is_empty() {
                format!(
                    "the operation declares no variables: declare it in the operation's first line, e.g. `query Name(${}: String)`, or remove this entry",
                    key.value
                )
            } else {
                format!("declared variables: {}", declared.join(", "))
            };
            diags.push(
                scope
                    .src
                    .diag(Pos::from(key.referenced), message)
                    .with_label("not declared by the operation")
                    .with_help(help)
                    .with_note(format!("in {}", scope.context)),
            );
            continue;
        };
        let Some((_, executable)) = resolved.executable() else {
            continue;
        };
        // A value without templates resolves to itself (with `$${` unescaped).
        let Ok(literal) = template::resolve(&value.to_json(), &Map::new(), &|_| None) else {
            continue;
        };
        let mut single = (**executable).clone();
        single.variables = vec![def.clone()];
        let mut values = Map::new();
        values.insert(key.value.clone(), literal);
        let Ok(values) = serde_json::from_value::<JsonMap>(Value::Object(values)) else {
            continue;
        };
        if let Err(e) = coerce_variable_values(scope.schema, &single, &values) {
            let message = e.message().to_string();
            let help = match enum_in(scope.schema, &message) {
                Some(help) => help,
                None => format!(
                    "give a value of type {}, e.g. `{}: {}`",
                    def.ty,
                    key.value,
                    example_value(scope.schema, &def.ty, 0)
                ),
            };
            diags.push(
                scope
                    .src
                    .diag(
                        locate(value, &message),
                        format!(
                            "value of variable '${}' does not match its type {}",
                            key.value, def.ty
                        ),
                    )
                    .with_label(message)
                    .with_help(help)
                    .with_note(format!("in {}", scope.context)),
            );
        }
    }
}

/// The part of a variable's value an apollo coercion message is about: the value of the
/// input field it names, or the key it rejects; else the whole value.
fn locate(value: &Node, message: &str) -> Pos {
    static FIELD: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"input field \w+\.(\w+)").ok());
    static KEY: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"has key (\S+) not in type").ok());
    let capture = |re: &LazyLock<Option<Regex>>| {
        re.as_ref()
            .and_then(|re| re.captures(message))
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_owned())
    };
    if let Some(field) = capture(&FIELD)
        && let Some(entry) = find_entry(value, &field)
    {
        return entry.value.at;
    }
    if let Some(key) = capture(&KEY)
        && let Some(entry) = find_entry(value, &key)
    {
        return entry.key_at;
    }
    value.at
}

/// When a coercion message is about an enum ("... to type Parttypeenum"), its values.
fn enum_in(schema: &Schema, message: &str) -> Option<String> {
    let name = message.rsplit_once("to type ")?.1.trim();
    match schema.types.get(name)? {
        ExtendedType::Enum(e) => {
            let values: Vec<&str> = e.values.keys().map(|v| v.as_str()).collect();
            Some(format!("`{name}` is one of: {}", values.join(", ")))
        }
        _ => None,
    }
}

/// The first mapping entry named `key`, depth first.
fn find_entry<'n>(node: &'n Node, key: &str) -> Option<&'n Entry> {
    match &node.value {
        NodeValue::Map(entries) => entries
            .iter()
            .find(|e| e.key == key)
            .or_else(|| entries.iter().find_map(|e| find_entry(&e.value, key))),
        NodeValue::Seq(items) => items.iter().find_map(|i| find_entry(i, key)),
        _ => None,
    }
}

/// A YAML example of a value of type `ty`, for hints.
fn example_value(schema: &Schema, ty: &Type, depth: usize) -> String {
    if depth > 3 {
        return "...".to_owned();
    }
    if let Type::List(inner) | Type::NonNullList(inner) = ty {
        return format!("[{}]", example_value(schema, inner, depth + 1));
    }
    let name = ty.inner_named_type();
    match name.as_str() {
        "Int" => "1".to_owned(),
        "Float" => "1.5".to_owned(),
        "String" => "\"text\"".to_owned(),
        "ID" => "\"1\"".to_owned(),
        "Boolean" => "true".to_owned(),
        _ => match schema.types.get(name) {
            Some(ExtendedType::Enum(e)) => e
                .values
                .keys()
                .next()
                .map_or_else(|| "\"VALUE\"".to_owned(), |v| v.to_string()),
            Some(ExtendedType::InputObject(o)) => {
                let required: Vec<String> = o
                    .fields
                    .iter()
                    .filter(|(_, f)| f.ty.is_non_null() && f.default_value.is_none())
                    .map(|(n, f)| format!("{n}: {}", example_value(schema, &f.ty, depth + 1)))
                    .collect();
                format!("{{{}}}", required.join(", "))
            }
            _ => "...".to_owned(),
        },
    }
}
