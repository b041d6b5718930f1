//! The operations this project sends: every step of every suite, and every operation of the
//! `.graphql` files given with `--documents` (an integration's own queries).
//!
//! Each is looked at on its own: the operation and the fragments it reaches, not the other
//! operations of its document. That is what [`Uses`] is computed on (against the committed
//! schema) and what is validated against the live schema, so an error in one operation of a
//! shared document is reported for the steps that send that operation only.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use apollo_compiler::Schema;
use apollo_compiler::ast::{self, Definition, Selection};
use apollo_compiler::validation::Valid;
use serde_json::{Map, Value};

use super::usage::Uses;
use crate::diagnostic::display_path;
use crate::suite::Suite;
use crate::user_file::{self, Limit};

/// One operation the project sends.
#[derive(Debug, Clone)]
pub struct ProjectOperation {
    /// `suite::case::step`, or `<file>:<operation>` for a `--documents` operation.
    pub label: String,
    /// The text of the document holding it.
    pub source: String,
    /// The document's file: a `.graphql` file, or the suite file for an inline `query:`.
    pub file: PathBuf,
    /// For an inline `query:`, where its step starts in the suite file (line, column): the
    /// text's lines are the query's own.
    pub inline_at: Option<(u32, u32)>,
    /// Its name, when the document names the operation to run.
    pub operation_name: Option<String>,
    /// The values its variables get (a suite step's), or `None` when unknown.
    pub variables: Option<Map<String, Value>>,
}

/// A `--documents` file that cannot be read or parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {what}\nhelp: {help}", display_path(file))]
pub struct DocumentError {
    /// The file.
    pub file: PathBuf,
    /// What is wrong (with line and column for a syntax error).
    pub what: String,
    /// How to fix it.
    pub help: String,
}

impl ProjectOperation {
    /// The operation of every step of `suites`, labelled `suite::case::step`.
    pub fn from_suites(suites: &[Suite]) -> Vec<ProjectOperation> {
        let mut operations = Vec::new();
        for suite in suites {
            for case in &suite.cases {
                for step in &case.steps {
                    let operation = &step.operation;
                    operations.push(ProjectOperation {
                        label: format!("{}::{}::{}", suite.id, case.name, step.name),
                        source: operation.source.clone(),
                        file: operation
                            .document
                            .clone()
                            .unwrap_or_else(|| suite.file.clone()),
                        inline_at: operation
                            .document
                            .is_none()
                            .then_some((step.at.line, step.at.col)),
                        operation_name: operation.operation_name.clone(),
                        variables: Some(step.variables.clone()),
                    });
                }
            }
        }
        operations
    }

    /// Every operation in the `.graphql` file `path`, labelled `<file>:<operation>`; their
    /// variables' values are unknown.
    pub fn from_document(path: &Path) -> Result<Vec<ProjectOperation>, DocumentError> {
        let error = |what: String, help: &str| DocumentError {
            file: path.to_path_buf(),
            what,
            help: help.to_owned(),
        };
        let source = user_file::read_text(path, Limit::File).map_err(|e| {
            error(
                format!("cannot read the document: {e}"),
                &e.help_or("pass --documents with a readable .graphql file of operations"),
            )
        })?;
        let document = ast::Document::parse(&source, path).map_err(|invalid| {
            error(
                format!("is not valid GraphQL:\n{}", located(&invalid.errors)),
                "fix the syntax, or leave the file out of --documents",
            )
        })?;
        let names: Vec<Option<String>> = document
            .definitions
            .iter()
            .filter_map(|d| match d {
                Definition::OperationDefinition(op) => {
                    Some(op.name.as_ref().map(|n| n.to_string()))
                }
                _ => None,
            })
            .collect();
        if names.is_empty() {
            return Err(error(
                "holds no operation".to_owned(),
                "--documents takes files of queries and mutations (fragments alone are not enough)",
            ));
        }
        if names.len() > 1 && names.iter().any(Option::is_none) {
            return Err(error(
                "holds an anonymous operation beside others".to_owned(),
                "give every operation a name (`query PartById(...)`), as a document with several operations needs",
            ));
        }
        Ok(names
            .into_iter()
            .map(|name| ProjectOperation {
                label: format!(
                    "{}:{}",
                    display_path(path),
                    name.as_deref().unwrap_or("(anonymous)")
                ),
                source: source.clone(),
                file: path.to_path_buf(),
                inline_at: None,
                operation_name: name,
                variables: None,
            })
            .collect())
    }

    /// The operation alone: its definition and the fragments it reaches, with their source
    /// locations; `None` when the text holds no such operation.
    fn isolated(&self) -> Option<ast::Document> {
        let mut document = match ast::Document::parse(&self.source, &self.file) {
            Ok(document) => document,
            Err(invalid) => invalid.partial,
        };
        let wanted = |op: &ast::OperationDefinition| match &self.operation_name {
            Some(name) => op.name.as_ref().is_some_and(|n| n.as_str() == name),
            None => true,
        };
        let operation = document.definitions.iter().find_map(|d| match d {
            Definition::OperationDefinition(op) if wanted(op) => Some(op.clone()),
            _ => None,
        })?;
        let mut reached = HashSet::new();
        let mut pending = spreads(&operation.selection_set);
        while let Some(name) = pending.pop() {
            if !reached.insert(name.clone()) {
                continue;
            }
            for definition in &document.definitions {
                if let Definition::FragmentDefinition(fragment) = definition
                    && fragment.name == name
                {
                    pending.extend(spreads(&fragment.selection_set));
                }
            }
        }
        document.definitions.retain(|d| match d {
            Definition::OperationDefinition(op) => std::ptr::eq(&**op, &*operation),
            Definition::FragmentDefinition(fragment) => reached.contains(&fragment.name),
            _ => false,
        });
        Some(document)
    }

    /// What it uses of `committed`. An operation that does not validate against it still
    /// yields what apollo-compiler could resolve.
    pub fn uses(&self, committed: &Valid<Schema>) -> Uses {
        let Some(isolated) = self.isolated() else {
            return Uses::default();
        };
        let document = match isolated.to_executable(committed) {
            Ok(document) => document,
            Err(invalid) => invalid.partial,
        };
        match document.operations.get(self.operation_name.as_deref()) {
            Ok(operation) => Uses::of(committed, &document, operation, self.variables.as_ref()),
            Err(_) => Uses::default(),
        }
    }

    /// Why it does not validate against `live`, one located message per error; empty when
    /// it does.
    pub fn validate(&self, live: &Valid<Schema>) -> Vec<String> {
        let Some(isolated) = self.isolated() else {
            let name = self.operation_name.as_deref().unwrap_or("(anonymous)");
            return vec![format!(
                "operation {name} is not in {}",
                display_path(&self.file)
            )];
        };
        match isolated.to_executable_validate(live) {
            Ok(_) => Vec::new(),
            Err(invalid) => invalid
                .errors
                .iter()
                .map(|d| {
                    let error = d.to_json();
                    let at = error.locations.first().map(|l| {
                        if let Some((line, col)) = self.inline_at {
                            format!(
                                " (line {}, column {} of the query of the step at {}:{line}:{col})",
                                l.line,
                                l.column,
                                display_path(&self.file)
                            )
                        } else {
                            format!(" ({}:{}:{})", display_path(&self.file), l.line, l.column)
                        }
                    });
                    format!("{}{}", error.message, at.unwrap_or_default())
                })
                .collect(),
        }
    }
}

/// The fragments a selection set spreads, directly or in nested selections.
fn spreads(selections: &[Selection]) -> Vec<apollo_compiler::Name> {
    let mut names = Vec::new();
    for selection in selections {
        match selection {
            Selection::Field(field) => names.extend(spreads(&field.selection_set)),
            Selection::FragmentSpread(spread) => names.push(spread.fragment_name.clone()),
            Selection::InlineFragment(inline) => names.extend(spreads(&inline.selection_set)),
        }
    }
    names
}

/// apollo-compiler's errors, one per line with line and column.
fn located(errors: &apollo_compiler::validation::DiagnosticList) -> String {
    errors
        .iter()
        .map(|d| {
            let error = d.to_json();
            match error.locations.first() {
                Some(l) => format!("  line {}, column {}: {}", l.line, l.column, error.message),
                None => format!("  {}", error.message),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
