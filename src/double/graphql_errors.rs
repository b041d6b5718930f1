//! ION's GraphQL errors, worded as graphql-core 3.2 words them (ION runs graphene on
//! graphql-core): the double parses and validates with apollo-compiler, and this module turns
//! apollo's diagnostics into the messages and locations graphql-core gives for the same
//! document, so clients and suites that match on ION's words match on the double's.
//!
//! - **Which diagnostic.** Each is recognised by apollo's structured kind
//!   (`unstable_error_name`), its names read from apollo's graphql-js-compatible message
//!   (`unstable_compat_message`, whose names are quoted), and its place from its span.
//! - **Wording.** graphql-core's: single quotes, `Did you mean ...?` suggestions by its own
//!   rules ([`suggest`]), `by operation 'Find'` / `in operation 'Find'` for variables, literal
//!   coercion messages (`Int cannot represent non-integer value: "ten"`), types with their
//!   wrappers (`'Int!'`), syntax errors as `Syntax Error: Expected Name, found <EOF>.`
//!   ([`syntax`]). Kinds this module does not know keep apollo's graphql-js wording with
//!   single quotes, which is graphql-core's for most rules.
//! - **Locations.** graphql-core's nodes: an unknown input field at its name, an unknown
//!   fragment at its name, a leaf's selection at its `{`, a variable used where another type is
//!   expected at its definition and its use, an undefined variable at its use and its
//!   operation.
//! - **One error per problem.** graphql-core stops at the first syntax error and validates
//!   nothing after it; it does not report a variable as unused when it is used in a field that
//!   does not exist, a missing selection where the selection names only unknown fields, or a
//!   variable of an unknown type as used in the wrong place. Those follow-on diagnostics of
//!   apollo's are dropped. Errors come in graphql-core's order: in document order, the
//!   variable rules' errors at the end of their operation.
//! - **Limits.** Suggestions of types to spread on (for interfaces and unions) are not made;
//!   a fragment's variables count as used by every operation.

use std::collections::HashSet;

use apollo_compiler::Schema;
use apollo_compiler::diagnostic::ToCliReport;
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::DiagnosticList;
use serde_json::{Value, json};

mod location;
mod outline;
mod suggest;
mod syntax;

use location::to_json;
use outline::Outline;
use suggest::{did_you_mean, suggestion_list};

/// One of apollo's diagnostics, as this module reads it.
struct Diagnostic {
    kind: Option<&'static str>,
    /// apollo's graphql-js-compatible message, if it has one.
    compat: Option<String>,
    /// apollo's own message.
    text: String,
    /// Byte offsets of the span's start and end.
    start: usize,
    end: usize,
}

impl Diagnostic {
    /// apollo's graphql-js-compatible message with graphql-core's single quotes (graphql-core
    /// words most rules as graphql-js does), or apollo's own message when it has none.
    fn graphql_js_wording(&self) -> String {
        self.compat
            .as_ref()
            .map_or_else(|| self.text.clone(), |c| c.replace('"', "'"))
    }
}

/// A graphql-core error: its message, its locations as byte offsets, and where it sorts.
struct CoreError {
    message: String,
    at: Vec<usize>,
    order: usize,
}

/// The `errors` of the response to `source`, which apollo-compiler found invalid with
/// `diagnostics`: graphql-core's messages and locations, one error per problem.
pub(crate) fn validation_errors(
    schema: &Schema,
    source: &str,
    diagnostics: &DiagnosticList,
) -> Vec<Value> {
    let diagnostics: Vec<Diagnostic> = diagnostics
        .iter()
        .map(|d| {
            let span = d.error.location();
            Diagnostic {
                kind: d.error.unstable_error_name(),
                compat: d.error.unstable_compat_message(),
                text: d.error.to_string(),
                start: span.map_or(0, |s| s.offset()),
                end: span.map_or(0, |s| s.end_offset()),
            }
        })
        .collect();
    let first_syntax_error = diagnostics
        .iter()
        .filter_map(|d| Some((d, d.text.strip_prefix("syntax error: ")?)))
        .min_by_key(|(d, _)| d.start);
    if let Some((d, apollo)) = first_syntax_error {
        let (message, at) = syntax::error(source, apollo, d.start, d.end);
        return vec![to_json(source, &message, &[at])];
    }
    let outline = Outline::of(schema, source);
    let reader = Reader {
        schema,
        source,
        outline: &outline,
    };
    let mut errors: Vec<CoreError> = diagnostics.iter().filter_map(|d| reader.read(d)).collect();
    if errors.is_empty() {
        // Every diagnostic read as a follow-on: answer apollo's rather than no error at all.
        errors = diagnostics
            .iter()
            .map(|d| CoreError {
                message: d.graphql_js_wording(),
                at: vec![d.start],
                order: d.start,
            })
            .collect();
    }
    errors.sort_by_key(|e| e.order);
    let mut seen = HashSet::new();
    errors
        .into_iter()
        .filter(|e| seen.insert((e.message.clone(), e.at.clone())))
        .map(|e| to_json(source, &e.message, &e.at))
        .collect()
}

/// The error of a valid document whose operation cannot be chosen, as graphql-core's
/// `execute` words it (it has no locations).
pub(crate) fn operation_choice_error(operation_name: Option<&str>, operations: usize) -> Value {
    let message = match operation_name {
        Some(name) => format!("Unknown operation named '{name}'."),
        None if operations == 0 => "Must provide an operation.".to_owned(),
        None => "Must provide operation name if query contains multiple operations.".to_owned(),
    };
    json!({ "message": message })
}

/// The error of a by-id lookup whose id is not a whole number: graphql-core's `Int`
/// coercion message, which ION's integer ids give (`"abc"` → `Int cannot represent
/// non-integer value: "abc"`).
pub(crate) fn malformed_id(given: &Value) -> String {
    format!("Int cannot represent non-integer value: {given}")
}

struct Reader<'a> {
    schema: &'a Schema,
    source: &'a str,
    outline: &'a Outline,
}

impl Reader<'_> {
    /// graphql-core's error for `d`, or `None` for a follow-on graphql-core does not report.
    fn read(&self, d: &Diagnostic) -> Option<CoreError> {
        if self.is_follow_on(d) {
            return None;
        }
        Some(self.translate(d).unwrap_or_else(|| CoreError {
            message: d.graphql_js_wording(),
            at: vec![d.start],
            order: d.start,
        }))
    }

    /// Whether `d` is one of apollo's follow-on diagnostics that graphql-core does not report
    /// for the same document.
    fn is_follow_on(&self, d: &Diagnostic) -> bool {
        let names = quoted(d.compat.as_deref().unwrap_or(""));
        let name = |i: usize| names.get(i).copied().unwrap_or("");
        let field = || self.outline.field_at(d.start).map(|site| &site.field);
        match d.kind.unwrap_or("") {
            // A variable used in a field that does not exist (apollo dropped the field).
            "UnusedVariable" => self
                .outline
                .operation_at(d.start)
                .is_some_and(|op| op.used.contains(name(0).trim_start_matches('$'))),
            // A variable of an unknown type: graphql-core reports only the unknown type.
            "DisallowedVariableUsage" => self.outline.operation_at(d.start).is_some_and(|op| {
                let bare = name(0).trim_start_matches('$');
                op.variables.iter().any(|(variable, _, named)| {
                    variable == bare && !self.schema.types.contains_key(named.as_str())
                })
            }),
            // A selection of fields that do not exist (apollo dropped them).
            "MissingSubselection" => field().is_some_and(|f| !f.selection_set.is_empty()),
            // An argument given as `null`: graphql-core reports only the wrong value.
            "RequiredArgument" => {
                field().is_some_and(|f| f.arguments.iter().any(|a| a.name == name(1)))
            }
            _ => false,
        }
    }

    /// graphql-core's wording and locations of `d`; `None` if the document does not give
    /// what they need (apollo's wording stands in).
    fn translate(&self, d: &Diagnostic) -> Option<CoreError> {
        let names = quoted(d.compat.as_deref().unwrap_or(""));
        let name = |i: usize| names.get(i).copied().unwrap_or("");
        let at_start = |message: String| CoreError {
            message,
            at: vec![d.start],
            order: d.start,
        };
        let error = match d.kind.unwrap_or("") {
            "UndefinedField" => {
                let suggestions = suggestion_list(name(0), self.fields_of(name(1)));
                at_start(format!(
                    "Cannot query field '{}' on type '{}'.{}",
                    name(0),
                    name(1),
                    did_you_mean(&suggestions, None)
                ))
            }
            "UndefinedArgument" => at_start(self.unknown_argument(name(0), name(1))),
            "UndefinedDefinition"
            | "UndefinedTypeInNamedFragmentTypeCondition"
            | "UndefinedTypeInInlineFragmentTypeCondition" => {
                let types = self.schema.types.keys().map(|n| n.as_str());
                let suggestions = suggestion_list(name(0), types);
                // apollo spans a variable's whole definition; graphql-core the type's name.
                let span = self.text(d.start, d.end);
                let from = span.find(':').map_or(0, |colon| colon + 1);
                let at = d.start + from + span[from..].find(name(0)).unwrap_or(0);
                CoreError {
                    message: format!(
                        "Unknown type '{}'.{}",
                        name(0),
                        did_you_mean(&suggestions, None)
                    ),
                    at: vec![at],
                    order: at,
                }
            }
            "UndefinedEnumValue" => {
                let suggestions = suggestion_list(name(0), self.fields_of(name(1)));
                at_start(format!(
                    "Value '{}' does not exist in '{}' enum.{}",
                    name(0),
                    name(1),
                    did_you_mean(&suggestions, Some("the enum value"))
                ))
            }
            "UndefinedInputValue" => {
                let suggestions = suggestion_list(name(0), self.fields_of(name(1)));
                let at = self.name_before_value(d.start);
                CoreError {
                    message: format!(
                        "Field '{}' is not defined by type '{}'.{}",
                        name(0),
                        name(1),
                        did_you_mean(&suggestions, None)
                    ),
                    at: vec![at],
                    order: at,
                }
            }
            "RequiredArgument" => {
                // graphql-core checks required arguments when it leaves the field.
                CoreError {
                    message: d.compat.clone()?.replace('"', "'"),
                    at: vec![d.start],
                    order: d.end,
                }
            }
            "UndefinedVariable" => self.undefined_variable(d, name(0)),
            "UnusedVariable" => self.unused_variable(d, name(0))?,
            "DisallowedVariableUsage" => self.variable_in_wrong_place(d, &names)?,
            "UnsupportedValueType" => at_start(literal_message(d.compat.as_deref()?, self)),
            "IntCoercionError" | "FloatCoercionError" | "AmbiguousAnonymousOperation" => {
                at_start(d.compat.clone()?)
            }
            "MissingSubselection" => {
                let site = self.outline.field_at(d.start)?;
                let ty = self.field_type(site.parent.as_deref()?, &site.field.name)?;
                let field = &site.field.name;
                at_start(format!(
                    "Field '{field}' of type '{ty}' must have a selection of subfields. Did you \
                     mean '{field} {{ ... }}'?"
                ))
            }
            "SubselectionOnScalarType" | "SubselectionOnEnumType" => {
                let site = self.outline.field_at(d.start)?;
                let ty = self.field_type(site.parent.as_deref()?, &site.field.name)?;
                let first = site.field.selection_set.first()?.location()?.offset();
                let brace = self.text(0, first).rfind('{').unwrap_or(d.start);
                CoreError {
                    message: format!(
                        "Field '{}' must not have a selection since type '{ty}' has no \
                         subfields.",
                        site.field.name
                    ),
                    at: vec![brace],
                    order: d.start,
                }
            }
            "UndefinedFragment" => {
                let after_dots = d.start + self.text(d.start, d.end).find(name(0)).unwrap_or(0);
                CoreError {
                    message: format!("Unknown fragment '{}'.", name(0)),
                    at: vec![after_dots],
                    order: after_dots,
                }
            }
            _ => at_start(d.graphql_js_wording()),
        };
        Some(error)
    }

    /// `Unknown argument 'x' on field 'Type.field'.` (or `on directive '@d'`), with suggestions.
    fn unknown_argument(&self, argument: &str, coordinate: &str) -> String {
        if let Some(directive) = coordinate.strip_prefix('@') {
            let directive = directive.split('(').next().unwrap_or(directive);
            let known: Vec<&str> = self
                .schema
                .directive_definitions
                .get(directive)
                .map(|d| d.arguments.iter().map(|a| a.name.as_str()).collect())
                .unwrap_or_default();
            let suggestions = suggestion_list(argument, known);
            return format!(
                "Unknown argument '{argument}' on directive '@{directive}'.{}",
                did_you_mean(&suggestions, None)
            );
        }
        let (ty, field) = coordinate.split_once('.').unwrap_or((coordinate, ""));
        let known: Vec<&str> = self
            .schema
            .type_field(ty, field)
            .map(|f| f.arguments.iter().map(|a| a.name.as_str()).collect())
            .unwrap_or_default();
        let suggestions = suggestion_list(argument, known);
        format!(
            "Unknown argument '{argument}' on field '{coordinate}'.{}",
            did_you_mean(&suggestions, None)
        )
    }

    fn undefined_variable(&self, d: &Diagnostic, variable: &str) -> CoreError {
        match self.outline.operation_at(d.start) {
            Some(operation) => CoreError {
                message: match &operation.name {
                    Some(op) => {
                        format!("Variable '{variable}' is not defined by operation '{op}'.")
                    }
                    None => format!("Variable '{variable}' is not defined."),
                },
                at: vec![d.start, operation.start],
                order: operation.end,
            },
            None => CoreError {
                message: format!("Variable '{variable}' is not defined."),
                at: vec![d.start],
                order: d.start,
            },
        }
    }

    /// graphql-core's message, naming the operation if it has a name.
    fn unused_variable(&self, d: &Diagnostic, variable: &str) -> Option<CoreError> {
        let operation = self.outline.operation_at(d.start)?;
        Some(CoreError {
            message: match &operation.name {
                Some(op) => format!("Variable '{variable}' is never used in operation '{op}'."),
                None => format!("Variable '{variable}' is never used."),
            },
            at: vec![d.start],
            order: operation.end,
        })
    }

    /// graphql-core's message, at the variable's definition and at its use.
    fn variable_in_wrong_place(&self, d: &Diagnostic, names: &[&str]) -> Option<CoreError> {
        let [variable, declared, expected, ..] = names else {
            return None;
        };
        let operation = self.outline.operation_at(d.start)?;
        let bare = variable.trim_start_matches('$');
        let (_, defined_at, _) = operation.variables.iter().find(|(n, ..)| n == bare)?;
        let used_at = d.start + self.text(d.start, d.end).find(variable).unwrap_or(0);
        Some(CoreError {
            message: format!(
                "Variable '{variable}' of type '{declared}' used in position expecting type \
                 '{expected}'."
            ),
            at: vec![*defined_at, used_at],
            order: operation.end,
        })
    }

    /// The source between two byte offsets (empty if they are not on character boundaries).
    fn text(&self, start: usize, end: usize) -> &str {
        self.source.get(start..end).unwrap_or("")
    }

    /// The names a type offers: an object's or input object's fields, an enum's values.
    fn fields_of(&self, type_name: &str) -> Vec<&str> {
        match self.schema.types.get(type_name) {
            Some(ExtendedType::Object(t)) => t.fields.keys().map(|n| n.as_str()).collect(),
            Some(ExtendedType::Interface(t)) => t.fields.keys().map(|n| n.as_str()).collect(),
            Some(ExtendedType::InputObject(t)) => t.fields.keys().map(|n| n.as_str()).collect(),
            Some(ExtendedType::Enum(t)) => t.values.keys().map(|n| n.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    /// The declared type of `parent.field`, wrappers included (`Int!`, `[Part]`).
    fn field_type(&self, parent: &str, field: &str) -> Option<String> {
        let definition = self.schema.type_field(parent, field).ok()?;
        Some(definition.ty.to_string())
    }

    /// Where the name of the object field whose value starts at `value` starts (`name: value`).
    fn name_before_value(&self, value: usize) -> usize {
        let before = self.text(0, value).trim_end();
        let Some(before) = before.strip_suffix(':') else {
            return value;
        };
        let before = before.trim_end();
        let name_len = before
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .count();
        before.len() - name_len
    }
}

/// graphql-core's message for a literal of the wrong type, from apollo's `T cannot represent
/// value: V` (`T` is the expected named type).
fn literal_message(compat: &str, reader: &Reader) -> String {
    let Some((ty, value)) = compat.split_once(" cannot represent value: ") else {
        return compat.replace('"', "'");
    };
    match ty {
        _ if value == "null" => format!("Expected value of type '{ty}!', found null."),
        "Int" => format!("Int cannot represent non-integer value: {value}"),
        "Float" => format!("Float cannot represent non numeric value: {value}"),
        "String" => format!("String cannot represent a non string value: {value}"),
        "Boolean" => format!("Boolean cannot represent a non boolean value: {value}"),
        "ID" => format!("ID cannot represent a non-string and non-integer value: {value}"),
        _ => match reader.schema.types.get(ty) {
            Some(ExtendedType::Enum(_)) => {
                let suggestions = suggestion_list(value, reader.fields_of(ty));
                format!(
                    "Enum '{ty}' cannot represent non-enum value: {value}.{}",
                    did_you_mean(&suggestions, Some("the enum value"))
                )
            }
            _ => format!("Expected value of type '{ty}', found {value}."),
        },
    }
}

/// The double-quoted names in one of apollo's graphql-js-compatible messages, in order.
fn quoted(message: &str) -> Vec<&str> {
    message.split('"').skip(1).step_by(2).collect()
}
