//! An introspection result (`data.__schema`) as a schema: SDL text that apollo-compiler
//! parses and validates.
//!
//! Neither apollo-compiler (which answers introspection but does not read it back) nor a
//! well-kept small crate turns an introspection result into SDL, so this module does, in the
//! way graphql-js's `buildClientSchema` + `printSchema` do: every type but the built-in
//! scalars and the introspection types (`__Schema`, ...), with its kind; fields with their
//! arguments, defaults and types (list and non-null wrapping); input objects; enums;
//! interfaces (also on interfaces); unions; custom scalars (with `@specifiedBy`); custom
//! directives; descriptions; and `@deprecated(reason:)` on fields, arguments, input fields
//! and enum values. The root types come from `queryType`, `mutationType` and
//! `subscriptionType`.
//!
//! Every name is checked to be a GraphQL name before it is written, descriptions are written
//! as escaped strings, and a default value is written as the GraphQL literal the server
//! gave. The text is then parsed and validated by apollo-compiler, so what comes out is a
//! schema the rest of ion-contract can use, or an error naming the part of the result that
//! is wrong.

use std::fmt::Write as _;

use apollo_compiler::validation::Valid;
use apollo_compiler::{Name, Schema};
use serde::Deserialize;
use serde_json::Value;

/// Why an introspection result does not make a schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the introspection result {what}")]
pub struct SdlError {
    /// What is wrong, naming the part of the result (`__schema.types[3] (Part)...`).
    pub what: String,
}

fn bad(what: impl Into<String>) -> SdlError {
    SdlError { what: what.into() }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SchemaJson {
    query_type: Option<NameRef>,
    mutation_type: Option<NameRef>,
    subscription_type: Option<NameRef>,
    types: Vec<Value>,
    #[serde(default)]
    directives: Vec<Value>,
}

#[derive(Deserialize)]
struct NameRef {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FullType {
    kind: String,
    name: String,
    description: Option<String>,
    #[serde(rename = "specifiedByURL")]
    specified_by_url: Option<String>,
    fields: Option<Vec<FieldJson>>,
    input_fields: Option<Vec<InputValueJson>>,
    interfaces: Option<Vec<TypeRef>>,
    enum_values: Option<Vec<EnumValueJson>>,
    possible_types: Option<Vec<TypeRef>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FieldJson {
    name: String,
    description: Option<String>,
    #[serde(default)]
    args: Vec<InputValueJson>,
    #[serde(rename = "type")]
    ty: TypeRef,
    #[serde(default)]
    is_deprecated: bool,
    deprecation_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InputValueJson {
    name: String,
    description: Option<String>,
    #[serde(rename = "type")]
    ty: TypeRef,
    default_value: Option<String>,
    #[serde(default)]
    is_deprecated: bool,
    deprecation_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnumValueJson {
    name: String,
    description: Option<String>,
    #[serde(default)]
    is_deprecated: bool,
    deprecation_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TypeRef {
    kind: String,
    name: Option<String>,
    of_type: Option<Box<TypeRef>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DirectiveJson {
    name: String,
    description: Option<String>,
    #[serde(default)]
    is_repeatable: bool,
    #[serde(default)]
    locations: Vec<String>,
    #[serde(default)]
    args: Vec<InputValueJson>,
}

/// The schema an introspection result describes. `data` is the response's `data` (holding
/// `__schema`); `origin` names where it came from, for apollo-compiler's messages.
pub fn schema_from_introspection(data: &Value, origin: &str) -> Result<Valid<Schema>, SdlError> {
    let sdl = sdl_from_introspection(data)?;
    Schema::parse_and_validate(&sdl, origin).map_err(|invalid| {
        let lines: Vec<&str> = sdl.lines().collect();
        let errors: Vec<String> = invalid
            .errors
            .iter()
            .map(|d| {
                let json = d.to_json();
                let line = json.locations.first().map(|l| l.line);
                match line.and_then(|l| lines.get(l.saturating_sub(1))) {
                    Some(text) => format!("{} (in `{}`)", json.message, text.trim()),
                    None => json.message,
                }
            })
            .collect();
        bad(format!(
            "does not make a valid schema:\n  {}",
            errors.join("\n  ")
        ))
    })
}

/// The SDL text of an introspection result, before validation (see the module docs).
pub fn sdl_from_introspection(data: &Value) -> Result<String, SdlError> {
    let schema = data
        .get("__schema")
        .filter(|s| s.is_object())
        .ok_or_else(|| bad("has no `__schema` object in `data`"))?;
    let schema: SchemaJson = serde_json::from_value(schema.clone())
        .map_err(|e| bad(format!("has a malformed `__schema`: {e}")))?;
    let built_in = Schema::new();
    let mut out = String::new();

    let query = schema
        .query_type
        .as_ref()
        .ok_or_else(|| bad("names no query type (`__schema.queryType` is null)"))?;
    out.push_str("schema {\n");
    for (operation, root) in [
        ("query", Some(query)),
        ("mutation", schema.mutation_type.as_ref()),
        ("subscription", schema.subscription_type.as_ref()),
    ] {
        if let Some(root) = root {
            let name = name(&root.name, &format!("__schema.{operation}Type"))?;
            let _ = writeln!(out, "  {operation}: {name}");
        }
    }
    out.push_str("}\n");

    for (index, directive) in schema.directives.iter().enumerate() {
        let directive: DirectiveJson = serde_json::from_value(directive.clone()).map_err(|e| {
            bad(format!(
                "has a malformed `__schema.directives[{index}]`: {e}"
            ))
        })?;
        if built_in
            .directive_definitions
            .contains_key(directive.name.as_str())
        {
            continue;
        }
        let at = format!("__schema.directives[{index}] (@{})", directive.name);
        write_directive(&mut out, &directive, &at)?;
    }

    for (index, ty) in schema.types.iter().enumerate() {
        let ty: FullType = serde_json::from_value(ty.clone()).map_err(|e| {
            let named = ty.get("name").and_then(Value::as_str).unwrap_or("?");
            bad(format!(
                "has a malformed `__schema.types[{index}]` ({named}): {e}"
            ))
        })?;
        if ty.name.starts_with("__") || built_in.types.contains_key(ty.name.as_str()) {
            continue;
        }
        let at = format!("__schema.types[{index}] ({})", ty.name);
        write_type(&mut out, &ty, &at)?;
    }
    Ok(out)
}

fn write_directive(out: &mut String, directive: &DirectiveJson, at: &str) -> Result<(), SdlError> {
    out.push('\n');
    description(out, directive.description.as_deref(), "");
    let _ = write!(out, "directive @{}", name(&directive.name, at)?);
    arguments(out, &directive.args, at)?;
    if directive.is_repeatable {
        out.push_str(" repeatable");
    }
    if directive.locations.is_empty() {
        return Err(bad(format!("gives {at} no locations")));
    }
    let mut locations = Vec::new();
    for location in &directive.locations {
        if location.is_empty() || !location.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
            return Err(bad(format!(
                "gives {at} the location {location:?}, which is no directive location"
            )));
        }
        locations.push(location.as_str());
    }
    let _ = writeln!(out, " on {}", locations.join(" | "));
    Ok(())
}

fn write_type(out: &mut String, ty: &FullType, at: &str) -> Result<(), SdlError> {
    out.push('\n');
    description(out, ty.description.as_deref(), "");
    let type_name = name(&ty.name, at)?;
    match ty.kind.as_str() {
        "SCALAR" => {
            let _ = write!(out, "scalar {type_name}");
            if let Some(url) = &ty.specified_by_url {
                let _ = write!(out, " @specifiedBy(url: {})", string(url));
            }
            out.push('\n');
        }
        "OBJECT" | "INTERFACE" => {
            let keyword = if ty.kind == "OBJECT" {
                "type"
            } else {
                "interface"
            };
            let _ = write!(out, "{keyword} {type_name}");
            let interfaces = ty.interfaces.as_deref().unwrap_or_default();
            if !interfaces.is_empty() {
                let names = interfaces
                    .iter()
                    .map(|i| type_ref(i, &format!("{at}.interfaces")))
                    .collect::<Result<Vec<_>, _>>()?;
                let _ = write!(out, " implements {}", names.join(" & "));
            }
            let fields = ty.fields.as_deref().unwrap_or_default();
            if fields.is_empty() {
                return Err(bad(format!("gives {at} no fields")));
            }
            out.push_str(" {\n");
            for field in fields {
                let at = format!("{at}.{}", field.name);
                description(out, field.description.as_deref(), "  ");
                let _ = write!(out, "  {}", name(&field.name, &at)?);
                arguments(out, &field.args, &at)?;
                let _ = write!(out, ": {}", type_ref(&field.ty, &at)?);
                deprecated(
                    out,
                    field.is_deprecated,
                    field.deprecation_reason.as_deref(),
                );
                out.push('\n');
            }
            out.push_str("}\n");
        }
        "UNION" => {
            let members = ty
                .possible_types
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|m| type_ref(m, &format!("{at}.possibleTypes")))
                .collect::<Result<Vec<_>, _>>()?;
            if members.is_empty() {
                return Err(bad(format!("gives {at} no possible types")));
            }
            let _ = writeln!(out, "union {type_name} = {}", members.join(" | "));
        }
        "ENUM" => {
            let values = ty.enum_values.as_deref().unwrap_or_default();
            if values.is_empty() {
                return Err(bad(format!("gives {at} no enum values")));
            }
            let _ = writeln!(out, "enum {type_name} {{");
            for value in values {
                let at = format!("{at}.{}", value.name);
                description(out, value.description.as_deref(), "  ");
                let _ = write!(out, "  {}", name(&value.name, &at)?);
                deprecated(
                    out,
                    value.is_deprecated,
                    value.deprecation_reason.as_deref(),
                );
                out.push('\n');
            }
            out.push_str("}\n");
        }
        "INPUT_OBJECT" => {
            let fields = ty.input_fields.as_deref().unwrap_or_default();
            if fields.is_empty() {
                return Err(bad(format!("gives {at} no input fields")));
            }
            let _ = writeln!(out, "input {type_name} {{");
            for field in fields {
                out.push_str(&input_value(field, &format!("{at}.{}", field.name), "  ")?);
                out.push('\n');
            }
            out.push_str("}\n");
        }
        other => {
            return Err(bad(format!(
                "gives {at} the kind {other:?}; a named type is SCALAR, OBJECT, INTERFACE, \
                 UNION, ENUM or INPUT_OBJECT"
            )));
        }
    }
    Ok(())
}

/// `(a: Int = 1, b: String)` after a field or directive name; nothing when there are none.
fn arguments(out: &mut String, args: &[InputValueJson], at: &str) -> Result<(), SdlError> {
    if args.is_empty() {
        return Ok(());
    }
    out.push_str("(\n");
    for arg in args {
        out.push_str(&input_value(arg, &format!("{at}({}:)", arg.name), "    ")?);
        out.push('\n');
    }
    out.push_str("  )");
    Ok(())
}

/// One argument or input field: description, `name: Type = default @deprecated`.
fn input_value(value: &InputValueJson, at: &str, indent: &str) -> Result<String, SdlError> {
    let mut out = String::new();
    description(&mut out, value.description.as_deref(), indent);
    let _ = write!(
        out,
        "{indent}{}: {}",
        name(&value.name, at)?,
        type_ref(&value.ty, at)?
    );
    if let Some(default) = &value.default_value {
        if default.trim().is_empty() {
            return Err(bad(format!("gives {at} an empty default value")));
        }
        let _ = write!(out, " = {default}");
    }
    deprecated(
        &mut out,
        value.is_deprecated,
        value.deprecation_reason.as_deref(),
    );
    Ok(out)
}

/// A type reference: `Part`, `Part!`, `[Part!]!`.
fn type_ref(ty: &TypeRef, at: &str) -> Result<String, SdlError> {
    let inner = || {
        ty.of_type
            .as_deref()
            .ok_or_else(|| bad(format!("gives {at} a {} type without `ofType`", ty.kind)))
    };
    match ty.kind.as_str() {
        "NON_NULL" => {
            let of = inner()?;
            if of.kind == "NON_NULL" {
                return Err(bad(format!(
                    "gives {at} a non-null type of a non-null type"
                )));
            }
            Ok(format!("{}!", type_ref(of, at)?))
        }
        "LIST" => Ok(format!("[{}]", type_ref(inner()?, at)?)),
        _ => match &ty.name {
            Some(named) => name(named, at),
            None => Err(bad(format!("gives {at} a {} type without a name", ty.kind))),
        },
    }
}

/// `name` when it is a GraphQL name.
fn name(name: &str, at: &str) -> Result<String, SdlError> {
    Name::new(name)
        .map(|n| n.to_string())
        .map_err(|_| bad(format!("names {at} {name:?}, which is not a GraphQL name")))
}

/// A description line before a definition, as an escaped string.
fn description(out: &mut String, text: Option<&str>, indent: &str) {
    if let Some(text) = text.filter(|t| !t.is_empty()) {
        let _ = writeln!(out, "{indent}{}", string(text));
    }
}

/// ` @deprecated(reason: "...")` when deprecated.
fn deprecated(out: &mut String, is_deprecated: bool, reason: Option<&str>) {
    if !is_deprecated {
        return;
    }
    match reason {
        Some(reason) => {
            let _ = write!(out, " @deprecated(reason: {})", string(reason));
        }
        None => out.push_str(" @deprecated"),
    }
}

/// A GraphQL string literal: JSON's escapes are all GraphQL escapes.
fn string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

#[cfg(test)]
mod tests;
