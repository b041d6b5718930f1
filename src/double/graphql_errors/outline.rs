//! What graphql-core's messages need from the document that apollo-compiler's diagnostics do
//! not carry: each operation's name, extent, variables and the variables it uses (unknown
//! fields included, as graphql-core counts them), and each field with its parent type.

use std::collections::{HashMap, HashSet};

use apollo_compiler::ast::{self, Definition, DirectiveList, Selection};
use apollo_compiler::{Node, Schema};

/// One operation of the document.
pub(super) struct Operation {
    pub name: Option<String>,
    /// The byte offsets where the operation starts and ends.
    pub start: usize,
    pub end: usize,
    /// `(name, offset of its `$`, the named type it declares)`.
    pub variables: Vec<(String, usize, String)>,
    /// The variables its selections use, and those any fragment of the document uses.
    pub used: HashSet<String>,
}

/// A field of the document and the type it is selected on (if known).
pub(super) struct FieldSite {
    pub parent: Option<String>,
    pub field: Node<ast::Field>,
}

#[derive(Default)]
pub(super) struct Outline {
    pub operations: Vec<Operation>,
    /// The fields by the byte offset they start at.
    fields: HashMap<usize, FieldSite>,
}

impl Outline {
    /// Outlines `source` (parsed leniently: a partial document is outlined as far as it goes).
    pub(super) fn of(schema: &Schema, source: &str) -> Self {
        let document = ast::Document::parse(source, "request.graphql")
            .unwrap_or_else(|invalid| invalid.partial);
        let mut outline = Outline::default();
        let mut fragment_uses = HashSet::new();
        for definition in &document.definitions {
            match definition {
                Definition::OperationDefinition(operation) => {
                    let mut used = HashSet::new();
                    directive_uses(&operation.directives, &mut used);
                    let root = schema
                        .root_operation(operation.operation_type)
                        .map(ToString::to_string);
                    outline.walk(schema, &operation.selection_set, root, &mut used);
                    let span = operation.location();
                    outline.operations.push(Operation {
                        name: operation.name.as_ref().map(ToString::to_string),
                        start: span.map_or(0, |s| s.offset()),
                        end: span.map_or(usize::MAX, |s| s.end_offset()),
                        variables: operation
                            .variables
                            .iter()
                            .map(|v| {
                                let at = v.location().map_or(0, |s| s.offset());
                                (v.name.to_string(), at, v.ty.inner_named_type().to_string())
                            })
                            .collect(),
                        used,
                    });
                }
                Definition::FragmentDefinition(fragment) => {
                    directive_uses(&fragment.directives, &mut fragment_uses);
                    let on = Some(fragment.type_condition.to_string());
                    outline.walk(schema, &fragment.selection_set, on, &mut fragment_uses);
                }
                _ => {}
            }
        }
        for operation in &mut outline.operations {
            operation.used.extend(fragment_uses.iter().cloned());
        }
        outline
    }

    /// The operation that contains `offset`.
    pub(super) fn operation_at(&self, offset: usize) -> Option<&Operation> {
        // Operations are in document order: the last one starting at or before `offset`.
        let after = self.operations.partition_point(|op| op.start <= offset);
        let operation = self.operations.get(after.checked_sub(1)?)?;
        (offset < operation.end).then_some(operation)
    }

    /// The field that starts at `offset`.
    pub(super) fn field_at(&self, offset: usize) -> Option<&FieldSite> {
        self.fields.get(&offset)
    }

    fn walk(
        &mut self,
        schema: &Schema,
        selections: &[Selection],
        parent: Option<String>,
        used: &mut HashSet<String>,
    ) {
        for selection in selections {
            match selection {
                Selection::Field(field) => {
                    for argument in &field.arguments {
                        value_uses(&argument.value, used);
                    }
                    directive_uses(&field.directives, used);
                    let child = parent.as_deref().and_then(|p| {
                        let definition = schema.type_field(p, &field.name).ok()?;
                        Some(definition.ty.inner_named_type().to_string())
                    });
                    if let Some(span) = field.location() {
                        let site = FieldSite {
                            parent: parent.clone(),
                            field: field.clone(),
                        };
                        self.fields.insert(span.offset(), site);
                    }
                    self.walk(schema, &field.selection_set, child, used);
                }
                Selection::FragmentSpread(spread) => directive_uses(&spread.directives, used),
                Selection::InlineFragment(inline) => {
                    directive_uses(&inline.directives, used);
                    let on = inline
                        .type_condition
                        .as_ref()
                        .map(ToString::to_string)
                        .or_else(|| parent.clone());
                    self.walk(schema, &inline.selection_set, on, used);
                }
            }
        }
    }
}

fn directive_uses(directives: &DirectiveList, used: &mut HashSet<String>) {
    for directive in directives {
        for argument in &directive.arguments {
            value_uses(&argument.value, used);
        }
    }
}

fn value_uses(value: &ast::Value, used: &mut HashSet<String>) {
    match value {
        ast::Value::Variable(name) => {
            used.insert(name.to_string());
        }
        ast::Value::List(items) => items.iter().for_each(|item| value_uses(item, used)),
        ast::Value::Object(fields) => fields.iter().for_each(|(_, v)| value_uses(v, used)),
        _ => {}
    }
}
