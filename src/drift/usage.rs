//! What an operation uses of a schema, and whether a change touches it.
//!
//! An operation is read with apollo-compiler against the committed schema, and everything it
//! depends on is collected ([`Uses`]):
//!
//! - **selections**, through fragment spreads and inline fragments: every `Type.field` it
//!   selects (on the type of the selection set it is in), the field's type, and every
//!   `(parent type, type condition)` of a fragment;
//! - **arguments** it passes (`Type.field(arg:)`), and their literal values;
//! - **variables**: their types, and the values they get. For a suite step the values are
//!   known (the step's `variables:`, else the variable's default), so an input field counts
//!   as used only when the value gives it and an enum value only when it is the value; a
//!   `${template}` where an enum is expected could be any value of it. For a `--documents`
//!   operation the values are unknown, so every input field and enum value reachable from
//!   a variable's type counts as used;
//! - **input values** written in the operation (object literals, enum literals, lists),
//!   walked against the argument's or input field's type, so nested input types count too;
//! - **directives** and their arguments; the **root operation** (query or mutation).
//!
//! [`Uses::touches`] decides whether a change concerns what was collected: a removed field
//! touches operations that select it; a removed argument those that pass it; a new required
//! argument those that select its field; a removed input field those that give it; a new
//! required input field those that give any value of its type; a removed enum value those
//! that send it; a removed union member or interface those with a fragment on it there; a
//! removed type those that touch it anywhere; a removed root type those of that kind. Of the
//! dangerous changes, a new enum value, union member or implementation of an interface
//! touches the operations that read that enum, union or interface.

use std::collections::{BTreeSet, HashSet};

use apollo_compiler::ast::{self, Value as Literal};
use apollo_compiler::executable::{DirectiveList, Operation, Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::{ExecutableDocument, Name, Schema};
use serde_json::{Map, Value};

use super::change::{Change, ChangeKind, Coordinate};

/// Everything one operation depends on (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Uses {
    /// Every named type it touches: selection sets, field types, variables, input values,
    /// fragment type conditions.
    pub types: BTreeSet<String>,
    /// The named types of the fields it selects: what it reads.
    pub outputs: BTreeSet<String>,
    /// `(type, field)` selected.
    pub fields: BTreeSet<(String, String)>,
    /// `(type, field, argument)` passed.
    pub arguments: BTreeSet<(String, String, String)>,
    /// Input object types it gives a value of.
    pub input_types: BTreeSet<String>,
    /// `(input type, field)` given.
    pub input_fields: BTreeSet<(String, String)>,
    /// `(enum, value)` sent.
    pub enum_values: BTreeSet<(String, String)>,
    /// Input object and enum types whose values are not known (any field or value of
    /// them may be sent).
    pub any_value: BTreeSet<String>,
    /// `(type of the selection set, type condition)` of every fragment.
    pub fragments: BTreeSet<(String, String)>,
    /// Directives applied.
    pub directives: BTreeSet<String>,
    /// `(directive, argument)` passed.
    pub directive_arguments: BTreeSet<(String, String)>,
    /// `query`, `mutation` or `subscription`.
    pub roots: BTreeSet<&'static str>,
}

impl Uses {
    /// What `operation` of `document` uses. `variables`: the values its variables get (a
    /// suite step's), or `None` when they are not known (a `--documents` operation).
    pub fn of(
        schema: &Schema,
        document: &ExecutableDocument,
        operation: &Operation,
        variables: Option<&Map<String, Value>>,
    ) -> Uses {
        let mut walker = Walker {
            schema,
            document,
            uses: Uses::default(),
            fragments_seen: HashSet::new(),
            unknown_seen: HashSet::new(),
        };
        walker.operation(operation, variables);
        walker.uses
    }

    /// Whether `change` concerns what the operation uses (see the module docs).
    pub fn touches(&self, change: &Change) -> bool {
        let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        match (&change.at, &change.kind) {
            (Coordinate::Type(ty), ChangeKind::MemberRemoved(member)) => {
                self.fragments.contains(&pair(ty, member))
            }
            (Coordinate::Type(ty), ChangeKind::InterfaceRemoved(interface)) => {
                self.fragments.contains(&pair(ty, interface))
                    || self.fragments.contains(&pair(interface, ty))
            }
            // A new possible type where the operation reads the union or interface.
            (Coordinate::Type(_), ChangeKind::InterfaceAdded(interface)) => {
                self.outputs.contains(interface)
            }
            (Coordinate::Type(ty), ChangeKind::MemberAdded(_)) => self.outputs.contains(ty),
            (Coordinate::Type(ty), _) => self.types.contains(ty),
            (Coordinate::Field(ty, field), _) => self.fields.contains(&pair(ty, field)),
            (Coordinate::Argument(ty, field, _), ChangeKind::Added { .. }) => {
                self.fields.contains(&pair(ty, field))
            }
            (Coordinate::Argument(ty, field, arg), ChangeKind::DefaultChanged { .. }) => {
                // A default matters where the argument is left out.
                self.fields.contains(&pair(ty, field))
                    && !self
                        .arguments
                        .contains(&(ty.clone(), field.clone(), arg.clone()))
            }
            (Coordinate::Argument(ty, field, arg), _) => {
                self.arguments
                    .contains(&(ty.clone(), field.clone(), arg.clone()))
            }
            (
                Coordinate::InputField(ty, _),
                ChangeKind::Added { .. } | ChangeKind::DefaultChanged { .. },
            ) => self.input_types.contains(ty),
            (Coordinate::InputField(ty, field), _) => {
                self.input_fields.contains(&pair(ty, field)) || self.any_value.contains(ty)
            }
            // A new value the operation may read (sending the enum is not affected).
            (Coordinate::EnumValue(ty, _), ChangeKind::Added { .. }) => self.outputs.contains(ty),
            (Coordinate::EnumValue(ty, value), _) => {
                self.enum_values.contains(&pair(ty, value)) || self.any_value.contains(ty)
            }
            (Coordinate::Directive(name), _)
            | (Coordinate::DirectiveArgument(name, _), ChangeKind::Added { .. }) => {
                self.directives.contains(name)
            }
            (Coordinate::DirectiveArgument(name, arg), _) => {
                self.directive_arguments.contains(&pair(name, arg))
            }
            (Coordinate::Root(operation), _) => self.roots.contains(operation),
        }
    }
}

struct Walker<'a> {
    schema: &'a Schema,
    document: &'a ExecutableDocument,
    uses: Uses,
    fragments_seen: HashSet<Name>,
    unknown_seen: HashSet<String>,
}

impl Walker<'_> {
    fn operation(&mut self, operation: &Operation, variables: Option<&Map<String, Value>>) {
        self.uses.roots.insert(operation.operation_type.name());
        self.directives(&operation.directives);
        for variable in &operation.variables {
            let named = variable.ty.inner_named_type().as_str();
            self.uses.types.insert(named.to_owned());
            for directive in variable.directives.iter() {
                self.directive(&directive.name, &directive.arguments);
            }
            match variables {
                None => self.unknown(named),
                Some(values) => match values.get(variable.name.as_str()) {
                    Some(value) => self.value(named, value),
                    None => {
                        if let Some(default) = &variable.default_value {
                            self.value(named, &**default);
                        }
                    }
                },
            }
        }
        self.selection_set(&operation.selection_set);
    }

    fn selection_set(&mut self, set: &SelectionSet) {
        let parent = set.ty.to_string();
        self.uses.types.insert(parent.clone());
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => {
                    self.directives(&field.directives);
                    if field.name.starts_with("__") {
                        continue;
                    }
                    self.uses
                        .fields
                        .insert((parent.clone(), field.name.to_string()));
                    let ty = field.definition.ty.inner_named_type().to_string();
                    self.uses.types.insert(ty.clone());
                    self.uses.outputs.insert(ty);
                    for argument in &field.arguments {
                        self.uses.arguments.insert((
                            parent.clone(),
                            field.name.to_string(),
                            argument.name.to_string(),
                        ));
                        if let Some(definition) = field.definition.argument_by_name(&argument.name)
                        {
                            self.value(definition.ty.inner_named_type(), &*argument.value);
                        }
                    }
                    self.selection_set(&field.selection_set);
                }
                Selection::FragmentSpread(spread) => {
                    self.directives(&spread.directives);
                    if let Some(fragment) = self.document.fragments.get(&spread.fragment_name) {
                        let condition = fragment.type_condition().to_string();
                        self.uses.fragments.insert((parent.clone(), condition));
                        if self.fragments_seen.insert(fragment.name.clone()) {
                            self.selection_set(&fragment.selection_set);
                        }
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.directives(&inline.directives);
                    if let Some(condition) = &inline.type_condition {
                        self.uses
                            .fragments
                            .insert((parent.clone(), condition.to_string()));
                    }
                    self.selection_set(&inline.selection_set);
                }
            }
        }
    }

    fn directives(&mut self, directives: &DirectiveList) {
        for directive in directives.iter() {
            self.directive(&directive.name, &directive.arguments);
        }
    }

    fn directive(&mut self, name: &Name, arguments: &[apollo_compiler::Node<ast::Argument>]) {
        self.uses.directives.insert(name.to_string());
        let definition = self.schema.directive_definitions.get(name);
        for argument in arguments {
            self.uses
                .directive_arguments
                .insert((name.to_string(), argument.name.to_string()));
            if let Some(arg) = definition.and_then(|d| d.argument_by_name(&argument.name)) {
                self.value(arg.ty.inner_named_type(), &*argument.value);
            }
        }
    }

    /// A value written in the operation or given a variable by a suite step, of (a list
    /// of) the named type `named`.
    fn value<V: InputValue>(&mut self, named: &str, value: &V) {
        match value.shape() {
            Shape::List(items) => {
                for item in items {
                    self.value(named, item);
                }
            }
            Shape::Object(fields) => {
                let Some(ExtendedType::InputObject(input)) = self.schema.types.get(named) else {
                    return;
                };
                self.input_type(named);
                for (field, value) in fields {
                    self.uses
                        .input_fields
                        .insert((named.to_owned(), field.to_owned()));
                    if let Some(definition) = input.fields.get(field) {
                        self.value(definition.ty.inner_named_type(), value);
                    }
                }
            }
            Shape::Word(text)
                if matches!(self.schema.types.get(named), Some(ExtendedType::Enum(_))) =>
            {
                self.uses.types.insert(named.to_owned());
                if text.contains("${") {
                    // A step's template, filled in when the step runs: any value of the enum.
                    self.uses.any_value.insert(named.to_owned());
                } else {
                    self.uses
                        .enum_values
                        .insert((named.to_owned(), text.to_owned()));
                }
            }
            // A variable's value is walked with the variable; the rest are scalars.
            Shape::Word(_) | Shape::Other => {}
        }
    }

    /// A value that is not known: any field of an input type, any value of an enum, and so
    /// on through the input types it reaches.
    fn unknown(&mut self, named: &str) {
        if !self.unknown_seen.insert(named.to_owned()) {
            return;
        }
        self.uses.types.insert(named.to_owned());
        match self.schema.types.get(named) {
            Some(ExtendedType::InputObject(input)) => {
                self.uses.input_types.insert(named.to_owned());
                self.uses.any_value.insert(named.to_owned());
                for field in input.fields.values() {
                    self.unknown(field.ty.inner_named_type());
                }
            }
            Some(ExtendedType::Enum(_)) => {
                self.uses.any_value.insert(named.to_owned());
            }
            _ => {}
        }
    }

    fn input_type(&mut self, named: &str) {
        self.uses.types.insert(named.to_owned());
        self.uses.input_types.insert(named.to_owned());
    }
}

#[cfg(test)]
mod tests;

/// What a value is, as far as what it uses goes.
enum Shape<'v, V: ?Sized> {
    /// A list of values.
    List(Vec<&'v V>),
    /// An input object's fields.
    Object(Vec<(&'v str, &'v V)>),
    /// An enum value written in an operation, or a string a step gives (an enum's value when
    /// the type is an enum).
    Word(&'v str),
    /// A scalar, null or a variable.
    Other,
}

/// A value written in an operation ([`Literal`]) or given by a step ([`Value`]).
trait InputValue {
    fn shape(&self) -> Shape<'_, Self>;
}

impl InputValue for Literal {
    fn shape(&self) -> Shape<'_, Self> {
        match self {
            Literal::List(items) => Shape::List(items.iter().map(|item| &**item).collect()),
            Literal::Object(fields) => Shape::Object(
                fields
                    .iter()
                    .map(|(name, value)| (name.as_str(), &**value))
                    .collect(),
            ),
            Literal::Enum(value) => Shape::Word(value.as_str()),
            _ => Shape::Other,
        }
    }
}

impl InputValue for Value {
    fn shape(&self) -> Shape<'_, Self> {
        match self {
            Value::Array(items) => Shape::List(items.iter().collect()),
            Value::Object(fields) => Shape::Object(
                fields
                    .iter()
                    .map(|(name, value)| (name.as_str(), value))
                    .collect(),
            ),
            Value::String(text) => Shape::Word(text),
            _ => Shape::Other,
        }
    }
}
