//! A step's GraphQL operation: where it comes from, which one runs, and whether it validates
//! against the schema.
//!
//! The operation text is an inline `query:` or a `document:` file. It is read with
//! apollo-compiler twice: as a plain AST (to list its operations even when it does not
//! validate, pick the one `operation:` names, and reject subscriptions), and with
//! `ExecutableDocument::parse_and_validate` against the schema. Every apollo diagnostic is
//! reported, located:
//!
//! - for an inline `query:`, the GraphQL line/column is mapped into the suite file through the
//!   YAML scalar (see [`SourceFile::pos_in_scalar`]), so the caret lands on the field;
//! - for a `document:`, the diagnostic points into the `.graphql` file at its own line and
//!   column, with a note naming the suite, case and step.
//!
//! apollo's messages name the field and type; [`super::graphql_hints`] adds did-you-mean
//! suggestions from the schema and a fix hint. Variable checks (required, declared, literal
//! values coerced) live in [`super::variables`].

use std::ops::Range;
use std::path::{Path, PathBuf};

use apollo_compiler::ast::{self, OperationType};
use apollo_compiler::diagnostic::ToCliReport;
use apollo_compiler::parser::LineColumn;
use apollo_compiler::validation::{DiagnosticList, Valid};
use apollo_compiler::{ExecutableDocument, Node, Schema, executable};

use crate::diagnostic::{Diagnostic, display_path};
use crate::suite::format::{Spanned, StepSpec};
use crate::suite::load::Parsed;
use crate::suite::model::{Operation, OperationKind};
use crate::user_file::{self, Limit, ReadError};
use crate::yaml::source::{Pos, SourceFile};
use crate::yaml::suggest;

/// What the rest of the loader needs to know about a step's operation.
pub(crate) struct Resolved {
    /// The model's operation.
    pub operation: Operation,
    /// The operation's variable definitions (from the AST: known even if it does not validate).
    pub variables: Vec<Node<ast::VariableDefinition>>,
    /// The validated document, when it validated (for coercion and path checks).
    pub validated: Option<Valid<ExecutableDocument>>,
}

impl Resolved {
    /// The validated document and the operation that runs, when the document validated.
    pub(crate) fn executable(&self) -> Option<(&ExecutableDocument, &Node<executable::Operation>)> {
        let doc = self.validated.as_ref()?;
        let op = doc
            .operations
            .get(self.operation.operation_name.as_deref())
            .ok()?;
        Some((doc, op))
    }
}

/// Where an operation's text lives.
pub(crate) enum GraphqlText {
    /// `query:` in the suite file, starting at `at`.
    Inline { at: Pos, text: String },
    /// A `.graphql` file.
    File { file: SourceFile, text: String },
}

/// The shared inputs of the checks of one step.
pub(crate) struct StepScope<'a> {
    pub src: &'a SourceFile,
    pub suite_dir: &'a Path,
    pub schema: &'a Valid<Schema>,
    /// What the load parsed before, by text.
    pub parsed: &'a Parsed,
    /// "case 'x', step 'y'" for notes.
    pub context: String,
    /// Where the step starts.
    pub step_at: Pos,
}

impl StepScope<'_> {
    /// A diagnostic at a GraphQL position (1-based line/column of the operation text).
    pub(crate) fn at_graphql(
        &self,
        text: &GraphqlText,
        range: Option<Range<LineColumn>>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let message = message.into();
        let (line, col, len) = match &range {
            Some(r) => {
                let len = if r.end.line == r.start.line {
                    r.end.column.saturating_sub(r.start.column)
                } else {
                    1
                };
                (
                    r.start.line,
                    r.start.column,
                    u32::try_from(len.max(1)).unwrap_or(1),
                )
            }
            None => (1, 1, 1),
        };
        match text {
            GraphqlText::Inline { at, text } => {
                let mapped = line
                    .checked_sub(1)
                    .zip(col.checked_sub(1))
                    .and_then(|(l, c)| self.src.pos_in_scalar(*at, text, l, c));
                match mapped {
                    Some(pos) => self.src.diag(pos.with_len(len), message),
                    None => self
                        .src
                        .diag(*at, message)
                        .with_note(format!("at line {line}, column {col} of the query")),
                }
                .with_note(format!("in {}", self.context))
            }
            GraphqlText::File { file, .. } => {
                let pos = Pos::new(
                    u32::try_from(line).unwrap_or(1),
                    u32::try_from(col).unwrap_or(1),
                    len,
                );
                file.diag(pos, message).with_note(format!(
                    "in the operation of {} ({}:{}:{})",
                    self.context,
                    display_path(&self.src.path),
                    self.step_at.line,
                    self.step_at.col
                ))
            }
        }
    }
}

/// Resolves and validates a step's operation. Returns `None` when the step cannot run (no
/// text, unreadable file, no single operation, a subscription); GraphQL validation errors
/// are reported but still return the operation, so variable checks can run too.
pub(crate) fn resolve(
    scope: &StepScope<'_>,
    step: &StepSpec,
    diags: &mut Vec<Diagnostic>,
) -> Option<Resolved> {
    let text = source(scope, step, diags)?;
    let (body, apollo_path) = match &text {
        GraphqlText::Inline { text, .. } => (text.as_str(), scope.src.path.clone()),
        GraphqlText::File { file, text } => (text.as_str(), file.path.clone()),
    };
    let parsed = scope.parsed.syntax.get_or_try(body, || {
        ast::Document::parse(body, &apollo_path).map_err(|with_errors| with_errors.partial)
    });
    let ast = parsed.unwrap_or_else(|partial| partial);
    let operations: Vec<&Node<ast::OperationDefinition>> = ast
        .definitions
        .iter()
        .filter_map(|d| match d {
            ast::Definition::OperationDefinition(op) => Some(op),
            _ => None,
        })
        .collect();
    let span = |op: &Node<ast::OperationDefinition>| {
        op.location()
            .and_then(|l| l.line_column_range(&ast.sources))
    };

    let chosen = choose(scope, step, &text, &operations, diags);
    // A text that validated before is not parsed and validated again; one that does not
    // validate is, against its own file, so its errors are located there.
    let validated = match scope.parsed.documents.validate(scope.schema, body) {
        Ok(document) => Ok(Valid::clone(&document)),
        Err(_) => ExecutableDocument::parse_and_validate(scope.schema, body, &apollo_path),
    };
    let Some(op) = chosen else {
        // Still report GraphQL errors: they often explain why no operation was found.
        if let Err(e) = &validated {
            report_apollo(scope, &text, &e.errors, &apollo_path, diags);
        }
        return None;
    };
    let kind = match op.operation_type {
        OperationType::Query => OperationKind::Query,
        OperationType::Mutation => OperationKind::Mutation,
        OperationType::Subscription => {
            let range = span(op).map(|r| {
                r.start..LineColumn {
                    line: r.start.line,
                    column: r.start.column + "subscription".len(),
                }
            });
            diags.push(
                scope
                    .at_graphql(&text, range, "subscriptions are not supported")
                    .with_label("a subscription")
                    .with_help("ion-contract sends each step as one HTTP request; use a query or a mutation"),
            );
            return None;
        }
    };
    let name = op.name.as_ref().map(|n| n.to_string());
    let validated = match validated {
        Ok(doc) => Some(doc),
        Err(e) => {
            report_apollo(scope, &text, &e.errors, &apollo_path, diags);
            None
        }
    };
    let root_fields = validated
        .as_ref()
        .and_then(|doc| Some((doc, doc.operations.get(name.as_deref()).ok()?)))
        .map(|(doc, op)| op.root_fields(doc).map(|f| f.name.to_string()).collect())
        .unwrap_or_default();
    Some(Resolved {
        operation: Operation {
            source: body.to_owned(),
            operation_name: name,
            kind,
            root_fields,
            document: match &text {
                GraphqlText::File { file, .. } => Some(file.path.clone()),
                GraphqlText::Inline { .. } => None,
            },
        },
        variables: op.variables.clone(),
        validated,
    })
}

/// The operation text: `query:` xor `document:`, and `operation:` only with `document:`.
fn source(
    scope: &StepScope<'_>,
    step: &StepSpec,
    diags: &mut Vec<Diagnostic>,
) -> Option<GraphqlText> {
    let src = scope.src;
    if let (Some(operation), None) = (&step.operation, &step.document) {
        diags.push(
            src.diag(Pos::from(operation.referenced), "`operation` is only used with `document:`")
                .with_label("no `document:` in this step")
                .with_help("an inline `query:` must hold exactly one operation: remove `operation:`, or move the operations to a .graphql file named by `document:`")
                .with_note(format!("in {}", scope.context)),
        );
    }
    match (&step.query, &step.document) {
        (Some(_), Some(document)) => {
            diags.push(
                src.diag(Pos::from(document.referenced), "a step has both `query` and `document`")
                    .with_label("second source of the operation")
                    .with_help("keep one: `query:` holds the operation inline, `document:` names a .graphql file")
                    .with_note(format!("in {}", scope.context)),
            );
            None
        }
        (None, None) => {
            diags.push(
                src.diag(scope.step_at, "a step needs `query` or `document`")
                    .with_label("this step has neither")
                    .with_help("add the GraphQL operation inline (`query: |` and the operation on indented lines) or name a .graphql file (`document: queries/parts.graphql`)")
                    .with_note(format!("in {}", scope.context)),
            );
            None
        }
        (Some(query), None) => {
            if query.value.trim().is_empty() {
                diags.push(
                    src.diag(Pos::from(query.referenced), "the `query` is empty")
                        .with_label("no operation")
                        .with_help(
                            "write the GraphQL operation, e.g. `query: \"query { me { id } }\"`",
                        )
                        .with_note(format!("in {}", scope.context)),
                );
                return None;
            }
            Some(GraphqlText::Inline {
                at: Pos::from(query.referenced),
                text: query.value.clone(),
            })
        }
        (None, Some(document)) => {
            let text = read_document(scope, document, diags)?;
            if let GraphqlText::File { file, text } = &text
                && text.trim().is_empty()
            {
                diags.push(
                    src.diag(
                        Pos::from(document.referenced),
                        format!("document '{}' is empty", display_path(&file.path)),
                    )
                    .with_label("empty file")
                    .with_help(
                        "write the GraphQL operation in the file, e.g. `query Me { me { id } }`",
                    )
                    .with_note(format!("in {}", scope.context)),
                );
                return None;
            }
            Some(text)
        }
    }
}

fn read_document(
    scope: &StepScope<'_>,
    document: &Spanned<String>,
    diags: &mut Vec<Diagnostic>,
) -> Option<GraphqlText> {
    let path: PathBuf = scope.suite_dir.join(&document.value);
    let e = match user_file::read_text(&path, Limit::File) {
        Ok(text) => {
            return Some(GraphqlText::File {
                file: SourceFile::new(&path, &text),
                text,
            });
        }
        Err(e) => e,
    };
    let message = format!("cannot read document '{}': {e}", display_path(&path));
    if let Some((line, col)) = e.line_col() {
        diags.push(
            Diagnostic::new(&path, line, col, message)
                .with_help(e.help())
                .with_note(format!("in {}", scope.context)),
        );
        return None;
    }
    let help = match &e {
        ReadError::Io(_) => missing_document_help(scope, &path),
        _ => e.help(),
    };
    diags.push(
        scope
            .src
            .diag(Pos::from(document.referenced), message)
            .with_label("file not readable")
            .with_help(help)
            .with_note(format!("in {}", scope.context)),
    );
    None
}

/// How to fix a `document:` that names no readable file: a did-you-mean over the `.graphql`
/// files beside it.
fn missing_document_help(scope: &StepScope<'_>, path: &Path) -> String {
    let help = format!(
        "`document:` is relative to the suite file's directory ({}); check the file name",
        display_path(scope.suite_dir)
    );
    let dir = path.parent().unwrap_or(scope.suite_dir);
    let names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                .filter(|n| n.ends_with(".graphql") || n.ends_with(".gql"))
                .collect()
        })
        .unwrap_or_default();
    let written = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    match suggest::did_you_mean(written, names.iter().map(String::as_str)) {
        Some(best) => format!("did you mean '{best}'? {help}"),
        None => help,
    }
}

/// Picks the operation to run: the one `operation:` names, else the only one.
fn choose<'o>(
    scope: &StepScope<'_>,
    step: &StepSpec,
    text: &GraphqlText,
    operations: &[&'o Node<ast::OperationDefinition>],
    diags: &mut Vec<Diagnostic>,
) -> Option<&'o Node<ast::OperationDefinition>> {
    let names: Vec<String> = operations
        .iter()
        .map(|op| {
            op.name
                .as_ref()
                .map_or_else(|| "(anonymous)".to_owned(), |n| n.to_string())
        })
        .collect();
    let doc_name = match text {
        GraphqlText::File { file, .. } => display_path(&file.path),
        GraphqlText::Inline { .. } => "the query".to_owned(),
    };
    if let (Some(wanted), GraphqlText::File { .. }) = (&step.operation, text) {
        if let Some(op) = operations
            .iter()
            .find(|op| op.name.as_ref().is_some_and(|n| n.as_str() == wanted.value))
        {
            return Some(op);
        }
        let message = format!(
            "operation '{}' is not in {doc_name}{}",
            wanted.value,
            suggest::suffix(&wanted.value, names.iter().map(String::as_str))
        );
        let help = if names.is_empty() {
            "the document defines no operation".to_owned()
        } else {
            format!("operations in the document: {}", names.join(", "))
        };
        diags.push(
            scope
                .src
                .diag(Pos::from(wanted.referenced), message)
                .with_label("no operation of this name")
                .with_help(help)
                .with_note(format!("in {}", scope.context)),
        );
        return None;
    }
    match operations {
        [only] => Some(only),
        // No operation: apollo reports the empty or broken document.
        [] => None,
        [..] => {
            let (message, help) = match text {
                GraphqlText::File { .. } => (
                    format!("{doc_name} holds {} operations; choose one with `operation:`", operations.len()),
                    format!("add `operation: <name>` to the step; operations in the document: {}", names.join(", ")),
                ),
                GraphqlText::Inline { .. } => (
                    format!("an inline `query` must hold exactly one operation; this one holds {}", operations.len()),
                    "split it into one step per operation, or move the operations to a .graphql file and pick one with `document:` and `operation:`".to_owned(),
                ),
            };
            let at = match text {
                GraphqlText::Inline { at, .. } => *at,
                GraphqlText::File { .. } => step
                    .document
                    .as_ref()
                    .map_or(scope.step_at, |d| Pos::from(d.referenced)),
            };
            diags.push(
                scope
                    .src
                    .diag(at, message)
                    .with_help(help)
                    .with_note(format!("in {}", scope.context)),
            );
            None
        }
    }
}

/// Reports apollo's diagnostics, located, with suggestions.
fn report_apollo(
    scope: &StepScope<'_>,
    text: &GraphqlText,
    errors: &DiagnosticList,
    ours: &Path,
    diags: &mut Vec<Diagnostic>,
) {
    for error in errors.iter() {
        let in_ours = error
            .error
            .location()
            .and_then(|loc| error.sources.get(&loc.file_id()))
            .is_some_and(|file| file.path() == ours);
        let range = if in_ours {
            error.line_column_range()
        } else {
            None
        };
        let raw = error.error.to_string();
        let name = error.error.unstable_error_name();
        let hint = crate::suite::graphql_hints::hint(scope.schema, name, &raw);
        let mut d = scope.at_graphql(
            text,
            range,
            format!("GraphQL: {}{}", hint.message, hint.suggestion),
        );
        if let Some(label) = hint.label {
            d = d.with_label(label);
        }
        d = d.with_help(hint.help);
        diags.push(d);
    }
}
