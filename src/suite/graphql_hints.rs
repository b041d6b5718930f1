//! Turns apollo-compiler's validation messages into suite diagnostics with a fix hint.
//!
//! apollo's messages are precise (they name the type, field, argument or variable) but carry
//! no suggestion. apollo keeps its structured error details private, so this module reads the
//! names back out of the message text (patterns pinned by unit tests against apollo 1.33) and
//! looks them up in the schema to suggest the closest field, argument, enum value or input
//! field. Unknown messages pass through unchanged with a generic hint.

use std::sync::LazyLock;

use apollo_compiler::Schema;
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use regex::Regex;

use crate::yaml::suggest;

/// The pieces of a GraphQL diagnostic.
pub(crate) struct Hint {
    pub message: String,
    /// `"; did you mean ...?"` or empty.
    pub suggestion: String,
    pub label: Option<String>,
    pub help: String,
}

/// Names quoted in backticks in an apollo message, in order.
fn quoted(message: &str) -> Vec<String> {
    static QUOTED: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new("`([^`]*)`").ok());
    QUOTED
        .as_ref()
        .map(|re| {
            re.captures_iter(message)
                .filter_map(|c| c.get(1))
                .map(|m| m.as_str().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// At most `limit` names, comma-separated, with an ellipsis when there are more.
fn listing<'a>(names: impl Iterator<Item = &'a str>, limit: usize) -> String {
    let names: Vec<&str> = names.collect();
    let mut out = names
        .iter()
        .take(limit)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > limit {
        out.push_str(&format!(", ... ({} in all)", names.len()));
    }
    out
}

fn fields_of<'s>(schema: &'s Schema, type_name: &str) -> Vec<&'s str> {
    match schema.types.get(type_name) {
        Some(ExtendedType::Object(t)) => t.fields.keys().map(|k| k.as_str()).collect(),
        Some(ExtendedType::Interface(t)) => t.fields.keys().map(|k| k.as_str()).collect(),
        Some(ExtendedType::InputObject(t)) => t.fields.keys().map(|k| k.as_str()).collect(),
        Some(ExtendedType::Enum(t)) => t.values.keys().map(|k| k.as_str()).collect(),
        _ => Vec::new(),
    }
}

fn arguments_of<'s>(schema: &'s Schema, coordinate: &str) -> Vec<&'s str> {
    let Some((type_name, field)) = coordinate.split_once('.') else {
        return Vec::new();
    };
    let field = field.split('(').next().unwrap_or(field);
    match schema.types.get(type_name) {
        Some(ExtendedType::Object(t)) => t
            .fields
            .get(field)
            .map(|f| f.arguments.iter().map(|a| a.name.as_str()).collect())
            .unwrap_or_default(),
        Some(ExtendedType::Interface(t)) => t
            .fields
            .get(field)
            .map(|f| f.arguments.iter().map(|a| a.name.as_str()).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Spells parser token names the way users write them.
fn tidy_syntax(message: &str) -> String {
    [
        ("<EOF>", "end of the operation"),
        ("R_CURLY", "`}`"),
        ("L_CURLY", "`{`"),
        ("R_PAREN", "`)`"),
        ("L_PAREN", "`(`"),
        ("R_BRACK", "`]`"),
        ("L_BRACK", "`[`"),
        ("COLON", "`:`"),
        ("EOF", "the end of the operation"),
    ]
    .iter()
    .fold(message.to_owned(), |m, (token, shown)| {
        m.replace(token, shown)
    })
}

/// Builds the diagnostic text for one apollo error.
pub(crate) fn hint(schema: &Valid<Schema>, name: Option<&str>, raw: &str) -> Hint {
    let names = quoted(raw);
    let mut hint = Hint {
        message: raw.to_owned(),
        suggestion: String::new(),
        label: None,
        help: "fix the operation so that it validates against the schema".to_owned(),
    };
    match (name, names.as_slice()) {
        (Some("UndefinedField"), [type_name, field, ..]) => {
            let fields = fields_of(schema, type_name);
            hint.suggestion = suggest::suffix(field, fields.iter().copied()).replace('\'', "`");
            hint.label = Some(format!("not a field of `{type_name}`"));
            hint.help = format!(
                "fields of `{type_name}`: {}",
                listing(fields.iter().copied(), 15)
            );
        }
        (Some("UndefinedArgument"), [argument, coordinate, ..]) => {
            let arguments = arguments_of(schema, coordinate);
            hint.suggestion =
                suggest::suffix(argument, arguments.iter().copied()).replace('\'', "`");
            hint.label = Some("unknown argument".to_owned());
            hint.help = if arguments.is_empty() {
                format!("`{coordinate}` takes no arguments")
            } else {
                format!(
                    "arguments of `{coordinate}`: {}",
                    listing(arguments.iter().copied(), 15)
                )
            };
        }
        (Some("UndefinedEnumValue" | "UndefinedInputValue"), [value, type_name, ..]) => {
            let values = fields_of(schema, type_name);
            hint.suggestion = suggest::suffix(value, values.iter().copied()).replace('\'', "`");
            hint.label = Some(format!("not in `{type_name}`"));
            hint.help = format!("`{type_name}` has: {}", listing(values.iter().copied(), 15));
        }
        (Some("UndefinedVariable"), [variable, ..]) => {
            hint.label = Some("not declared".to_owned());
            hint.help = format!(
                "declare it in the operation's first line, e.g. `query Name({variable}: Int)` with the argument's type, or use a declared variable"
            );
        }
        (Some("UnusedVariable"), [variable, ..]) => {
            hint.label = Some("never used".to_owned());
            hint.help = format!(
                "use `{variable}` as an argument in the operation, or remove it from the variable list"
            );
        }
        (Some("RequiredArgument"), [coordinate, ..]) => {
            hint.label = Some("required argument missing".to_owned());
            hint.help = format!("pass `{coordinate}`, e.g. with a variable: `(id: $id)`");
        }
        (Some("MissingSubselection"), _) => {
            hint.label = Some("needs `{ ... }`".to_owned());
            hint.help =
                "select the fields you need inside braces, e.g. `me { id email }`".to_owned();
        }
        (Some("SubselectionOnScalarType" | "SubselectionOnEnumType"), _) => {
            hint.label = Some("remove these braces".to_owned());
            hint.help =
                "a scalar or enum field is selected by name alone, without `{ ... }`".to_owned();
        }
        (Some("UnsupportedValueType" | "DisallowedVariableUsage" | "IntCoercionError"), _) => {
            hint.label = Some("wrong type".to_owned());
            hint.help = "pass a value (or a variable declared with a type) that matches the argument's type in the schema".to_owned();
        }
        (None, _) if raw.starts_with("syntax error") => {
            hint.message = tidy_syntax(raw);
            hint.label = Some("here".to_owned());
            hint.help =
                "check the GraphQL syntax here; an unbalanced `{ }` or `( )` is the usual cause"
                    .to_owned();
        }
        _ => {}
    }
    hint
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_from_apollo_messages() {
        assert_eq!(
            quoted("type `Query` does not have a field `partz`"),
            ["Query", "partz"]
        );
        assert_eq!(
            quoted("the argument `frist` is not supported by `Query.parts`"),
            ["frist", "Query.parts"]
        );
        assert_eq!(
            tidy_syntax("syntax error: expected R_CURLY, got EOF"),
            "syntax error: expected `}`, got the end of the operation"
        );
    }

    #[test]
    fn listing_truncates() {
        assert_eq!(
            listing(["a", "b", "c"].into_iter(), 2),
            "a, b, ... (3 in all)"
        );
        assert_eq!(listing(["a"].into_iter(), 2), "a");
    }
}
