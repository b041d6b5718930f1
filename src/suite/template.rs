//! `${...}` templates in variables and expected values: parsing and resolution.
//!
//! Grammar, inside any string of a step's `variables` and of `equals` / `contains` / `one_of`:
//!
//! | written        | means                                                         |
//! |----------------|---------------------------------------------------------------|
//! | `${name}`      | the value captured as `name` by an earlier step of the case   |
//! | `${env:NAME}`  | the environment variable `NAME`, read at run time             |
//! | `${fill:NAME}` | a placeholder left to fill in (`ion-contract init --from` writes them): `check` refuses it, naming it |
//! | `${run.id}`    | this run's id ([`crate::run_id`]): the same in every step and case of the process, different in the next run and on another machine |
//! | `${run.short}` | its 8 hex digits form, for fields with a length limit |
//! | `$${`          | a literal `${`                                                |
//!
//! Names (capture and environment alike) are `[A-Za-z_][A-Za-z0-9_]*`. A `$` that does not
//! start `${` or `$${` is an ordinary character.
//!
//! A string that is *exactly* one template resolves to the referenced JSON value with its type
//! kept (`"${id}"` becomes the number `42` when `42` was captured). Templates inside a longer
//! string are spliced in as text: strings without quotes, anything else as compact JSON.
//!
//! The loader uses [`parse`] to check every template before a suite runs (syntax, and that
//! each capture is set by an earlier step); the runner calls [`resolve`] just before sending a
//! request or comparing a value.

use serde_json::{Map, Value};

/// What a template refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateRef {
    /// `${name}`: a value captured by an earlier step.
    Capture(String),
    /// `${env:NAME}`: an environment variable.
    Env(String),
    /// `${fill:NAME}`: a placeholder for a value still to be written (the loader refuses it).
    Fill(String),
    /// `${run.id}` or `${run.short}`: a value of this run.
    Run(RunValue),
}

/// The values `${run.NAME}` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunValue {
    /// `${run.id}`: the run id.
    Id,
    /// `${run.short}`: its 8-character form.
    Short,
}

impl RunValue {
    /// The names after `run.`, for messages.
    pub const NAMES: &'static str = "`${run.id}` or `${run.short}`";

    fn named(name: &str) -> Option<RunValue> {
        match name {
            "id" => Some(RunValue::Id),
            "short" => Some(RunValue::Short),
            _ => None,
        }
    }

    /// The value, the same for the whole process.
    pub fn value(self) -> &'static str {
        match self {
            RunValue::Id => crate::run_id::run_id(),
            RunValue::Short => crate::run_id::run_short(),
        }
    }
}

/// A template that cannot be parsed or resolved.
///
/// Offsets are 0-based character offsets of the `$` that starts the template in the string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// `${` without a closing `}`.
    #[error("unclosed template: `${{` has no closing `}}`")]
    Unclosed {
        /// Where the template starts.
        offset: usize,
    },
    /// `${}`.
    #[error("empty template `${{}}`: name a capture (`${{id}}`) or a variable (`${{env:NAME}}`)")]
    Empty {
        /// Where the template starts.
        offset: usize,
    },
    /// A capture name that is not `[A-Za-z_][A-Za-z0-9_]*`.
    #[error(
        "invalid capture name '{name}' in template: names are letters, digits and `_`, not starting with a digit"
    )]
    InvalidName {
        /// The name as written.
        name: String,
        /// Where the template starts.
        offset: usize,
    },
    /// An environment variable name that is not `[A-Za-z_][A-Za-z0-9_]*`.
    #[error(
        "invalid environment variable name '{name}' in template: names are letters, digits and `_`, not starting with a digit"
    )]
    InvalidEnvName {
        /// The name as written.
        name: String,
        /// Where the template starts.
        offset: usize,
    },
    /// `${run.NAME}` with a name other than `id` and `short`.
    #[error("unknown run value `${{run.{name}}}`: write `${{run.id}}` or `${{run.short}}`")]
    UnknownRunValue {
        /// The name after `run.`, as written.
        name: String,
        /// Where the template starts.
        offset: usize,
    },
    /// `${name}` with no capture of that name (at run time).
    #[error("template `${{{name}}}`: no capture named '{name}' has been set")]
    MissingCapture {
        /// The capture name.
        name: String,
    },
    /// `${fill:NAME}`: a placeholder nobody filled in (at run time; the loader refuses it first).
    #[error("template `${{fill:{name}}}`: a placeholder left to fill in")]
    Unfilled {
        /// The placeholder's name.
        name: String,
    },
    /// `${env:NAME}` with the variable unset (at run time).
    #[error("template `${{env:{name}}}`: environment variable {name} is not set")]
    MissingEnv {
        /// The variable name.
        name: String,
    },
}

impl TemplateError {
    /// Character offset of the template in its string, for syntax errors.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Self::Unclosed { offset }
            | Self::Empty { offset }
            | Self::InvalidName { offset, .. }
            | Self::InvalidEnvName { offset, .. }
            | Self::UnknownRunValue { offset, .. } => Some(*offset),
            Self::MissingCapture { .. } | Self::MissingEnv { .. } | Self::Unfilled { .. } => None,
        }
    }
}

/// A piece of a templated string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Text used as is (`$${` already turned into `${`).
    Literal(String),
    /// A template.
    Template {
        /// What it refers to.
        reference: TemplateRef,
        /// Character offset of its `$`.
        offset: usize,
        /// Its length in characters, `${` to `}` inclusive.
        len: usize,
    },
}

/// The rule for template and capture names, as a regex for the suite schema; [`is_name`]
/// checks it.
pub(crate) const NAME_PATTERN: &str = "^[A-Za-z_][A-Za-z0-9_]*$";

/// Whether `name` follows [`NAME_PATTERN`].
pub(crate) fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Splits a string into literal text and templates.
pub fn parse(s: &str) -> Result<Vec<Segment>, TemplateError> {
    let chars: Vec<char> = s.chars().collect();
    let mut segments = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while i < chars.len() {
        let at = |k: usize| chars.get(i + k).copied();
        if at(0) == Some('$') && at(1) == Some('$') && at(2) == Some('{') {
            literal.push_str("${");
            i += 3;
        } else if at(0) == Some('$') && at(1) == Some('{') {
            let offset = i;
            let Some(close) = chars[i + 2..].iter().position(|&c| c == '}') else {
                return Err(TemplateError::Unclosed { offset });
            };
            let inner: String = chars[i + 2..i + 2 + close].iter().collect();
            let reference = if inner.is_empty() {
                return Err(TemplateError::Empty { offset });
            } else if let Some(name) = inner.strip_prefix("env:") {
                if !is_name(name) {
                    let name = name.to_owned();
                    return Err(TemplateError::InvalidEnvName { name, offset });
                }
                TemplateRef::Env(name.to_owned())
            } else if let Some(name) = inner.strip_prefix("run.") {
                let Some(value) = RunValue::named(name) else {
                    let name = name.to_owned();
                    return Err(TemplateError::UnknownRunValue { name, offset });
                };
                TemplateRef::Run(value)
            } else if let Some(name) = inner.strip_prefix("fill:") {
                if !is_name(name) {
                    let name = name.to_owned();
                    return Err(TemplateError::InvalidName { name, offset });
                }
                TemplateRef::Fill(name.to_owned())
            } else {
                if !is_name(&inner) {
                    return Err(TemplateError::InvalidName {
                        name: inner,
                        offset,
                    });
                }
                TemplateRef::Capture(inner)
            };
            if !literal.is_empty() {
                segments.push(Segment::Literal(std::mem::take(&mut literal)));
            }
            let len = close + 3;
            segments.push(Segment::Template {
                reference,
                offset,
                len,
            });
            i += len;
        } else {
            literal.extend(at(0));
            i += 1;
        }
    }
    if !literal.is_empty() {
        segments.push(Segment::Literal(literal));
    }
    Ok(segments)
}

/// The captures and environment variables a string refers to, in order.
pub fn references(s: &str) -> Result<Vec<TemplateRef>, TemplateError> {
    Ok(parse(s)?
        .into_iter()
        .filter_map(|segment| match segment {
            Segment::Template { reference, .. } => Some(reference),
            Segment::Literal(_) => None,
        })
        .collect())
}

/// Resolves every template in `value` (strings in arrays and object values too; object keys
/// are left alone). A string that is exactly one template keeps the referenced value's JSON
/// type; otherwise the templates are spliced in as text.
pub fn resolve(
    value: &Value,
    captures: &Map<String, Value>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Value, TemplateError> {
    match value {
        Value::String(s) => resolve_str(s, captures, env),
        Value::Array(items) => items
            .iter()
            .map(|item| resolve(item, captures, env))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| Ok((k.clone(), resolve(v, captures, env)?)))
            .collect::<Result<Map<_, _>, _>>()
            .map(Value::Object),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(value.clone()),
    }
}

fn lookup(
    reference: &TemplateRef,
    captures: &Map<String, Value>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Value, TemplateError> {
    match reference {
        TemplateRef::Capture(name) => captures
            .get(name)
            .cloned()
            .ok_or_else(|| TemplateError::MissingCapture { name: name.clone() }),
        TemplateRef::Env(name) => env(name)
            .map(Value::String)
            .ok_or_else(|| TemplateError::MissingEnv { name: name.clone() }),
        TemplateRef::Fill(name) => Err(TemplateError::Unfilled { name: name.clone() }),
        TemplateRef::Run(value) => Ok(Value::String(value.value().to_owned())),
    }
}

fn resolve_str(
    s: &str,
    captures: &Map<String, Value>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Value, TemplateError> {
    let segments = parse(s)?;
    if let [Segment::Template { reference, .. }] = segments.as_slice() {
        return lookup(reference, captures, env);
    }
    let mut out = String::new();
    for segment in &segments {
        match segment {
            Segment::Literal(text) => out.push_str(text),
            Segment::Template { reference, .. } => match lookup(reference, captures, env)? {
                Value::String(text) => out.push_str(&text),
                other => out.push_str(&other.to_string()),
            },
        }
    }
    Ok(Value::String(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_values_resolve_to_the_process_run_id() {
        let env = |_: &str| None;
        let whole = resolve(&Value::from("${run.id}"), &Map::new(), &env).unwrap();
        assert_eq!(whole, Value::from(crate::run_id::run_id()));
        let spliced = resolve(&Value::from("PN-${run.short}"), &Map::new(), &env).unwrap();
        assert_eq!(
            spliced,
            Value::from(format!("PN-{}", crate::run_id::run_short()))
        );
        assert_eq!(
            parse("x ${run.name}"),
            Err(TemplateError::UnknownRunValue {
                name: "name".to_owned(),
                offset: 2
            })
        );
    }

    #[test]
    fn a_fill_placeholder_parses_and_never_resolves() {
        assert_eq!(
            references("id ${fill:partId}").unwrap(),
            [TemplateRef::Fill("partId".to_owned())]
        );
        assert_eq!(
            resolve(&Value::from("${fill:partId}"), &Map::new(), &|_| Some(
                "x".to_owned()
            )),
            Err(TemplateError::Unfilled {
                name: "partId".to_owned()
            })
        );
        assert!(matches!(
            parse("${fill:1x}"),
            Err(TemplateError::InvalidName { .. })
        ));
    }
}
