//! Schema diff: every change from one schema (the committed SDL) to another (the live one),
//! each classified as breaking, dangerous or safe.
//!
//! The classes follow graphql-inspector (and graphql-js's `findBreakingChanges`, which its
//! type rules come from):
//!
//! | change | class |
//! | --- | --- |
//! | type removed; type kind changed (`type` → `interface`, ...) | breaking |
//! | field removed (also a deprecated one) | breaking |
//! | field type changed, unless only made stricter (`String` → `String!`, `[T]` → `[T!]`) | breaking |
//! | field type made stricter (an output may always become non-null) | safe |
//! | output field made nullable (`String!` → `String`) | breaking |
//! | argument removed | breaking |
//! | argument added: non-null without a default (required) | breaking |
//! | argument added: nullable or with a default (optional) | dangerous |
//! | argument or input field type changed, unless only relaxed (`ID!` → `ID`) | breaking |
//! | argument or input field type relaxed (an input may always become nullable) | safe |
//! | argument or input field made non-null (`ID` → `ID!`) | breaking |
//! | argument or input field default changed, added or removed | dangerous |
//! | input field removed | breaking |
//! | input field added: non-null without a default (required) | breaking |
//! | input field added: nullable or with a default (optional) | dangerous |
//! | enum value removed | breaking |
//! | enum value added | dangerous |
//! | union member removed | breaking |
//! | union member added | dangerous |
//! | interface removed from a type | breaking |
//! | interface added to a type | dangerous |
//! | root operation type removed or changed (`mutation: Mutation` gone) | breaking |
//! | directive removed, its argument removed, a location removed, `repeatable` removed | breaking |
//! | directive argument added: required breaking, optional safe; its type and default as for arguments | |
//! | field deprecation removed | dangerous |
//! | type, field, directive or root operation added; `repeatable` or a location added | safe |
//! | deprecation added, or its reason changed; any deprecation on an argument, input field or enum value removed | safe |
//! | description added, changed or removed | safe |
//!
//! One deliberate difference from graphql-inspector: an input field added as non-null *with a
//! default* is dangerous, not breaking, because the GraphQL spec makes such a field optional
//! (graphql-inspector looks only at the non-null). Built-in scalars, introspection types and
//! built-in directives are never compared.
//!
//! Whether a breaking change breaks *this project* is decided by [`super::usage`].

use apollo_compiler::Schema;
use apollo_compiler::ast::{self, OperationType, Type};
use apollo_compiler::collections::{IndexMap, IndexSet};
use apollo_compiler::schema::{
    Component, ComponentName, DirectiveDefinition, ExtendedType, FieldDefinition,
    InputValueDefinition, Name,
};

use super::change::{Change, ChangeKind, Class, Coordinate};

/// Every change from `old` to `new`, classified (see the module docs), in the order of the
/// old schema's definitions, then the new one's.
pub fn diff(old: &Schema, new: &Schema) -> Vec<Change> {
    let mut changes = Changes(Vec::new());
    for operation in [
        OperationType::Query,
        OperationType::Mutation,
        OperationType::Subscription,
    ] {
        let before = old.root_operation(operation).map(Name::to_string);
        let after = new.root_operation(operation).map(Name::to_string);
        if before != after {
            let class = if before.is_some() {
                Class::Breaking
            } else {
                Class::Safe
            };
            let kind = ChangeKind::RootChanged {
                old: before,
                new: after,
            };
            changes.push(class, Coordinate::Root(operation.name()), kind);
        }
    }
    for (name, before) in old.types.iter().filter(|(_, t)| !t.is_built_in()) {
        let at = Coordinate::Type(name.to_string());
        match new.types.get(name) {
            None => changes.removed(at, false),
            Some(after) if kind_name(before) != kind_name(after) => {
                let kind = ChangeKind::KindChanged {
                    old: kind_name(before),
                    new: kind_name(after),
                };
                changes.push(Class::Breaking, at, kind);
            }
            Some(after) => changes.same_kind(name, before, after),
        }
    }
    for (name, _) in new.types.iter().filter(|(_, t)| !t.is_built_in()) {
        if !old.types.contains_key(name) {
            changes.added(Coordinate::Type(name.to_string()), Class::Safe, false);
        }
    }
    for (name, before) in old.directive_definitions.iter() {
        if before.is_built_in() {
            continue;
        }
        match new.directive_definitions.get(name) {
            None => changes.removed(Coordinate::Directive(name.to_string()), false),
            Some(after) => changes.directive(before, after),
        }
    }
    for (name, after) in new.directive_definitions.iter() {
        if !after.is_built_in() && !old.directive_definitions.contains_key(name) {
            changes.added(Coordinate::Directive(name.to_string()), Class::Safe, false);
        }
    }
    changes.0
}

/// `object type`, `interface`, ...
fn kind_name(ty: &ExtendedType) -> &'static str {
    match ty {
        ExtendedType::Scalar(_) => "scalar",
        ExtendedType::Object(_) => "object type",
        ExtendedType::Interface(_) => "interface",
        ExtendedType::Union(_) => "union",
        ExtendedType::Enum(_) => "enum",
        ExtendedType::InputObject(_) => "input object",
    }
}

struct Changes(Vec<Change>);

impl Changes {
    fn push(&mut self, class: Class, at: Coordinate, kind: ChangeKind) {
        self.0.push(Change { class, at, kind });
    }

    fn removed(&mut self, at: Coordinate, deprecated: bool) {
        self.push(Class::Breaking, at, ChangeKind::Removed { deprecated });
    }

    fn added(&mut self, at: Coordinate, class: Class, required: bool) {
        self.push(class, at, ChangeKind::Added { required });
    }

    /// Two definitions of the same name and kind.
    fn same_kind(&mut self, name: &Name, before: &ExtendedType, after: &ExtendedType) {
        let ty = name.to_string();
        if before.description() != after.description() {
            self.push(
                Class::Safe,
                Coordinate::Type(ty.clone()),
                ChangeKind::DescriptionChanged,
            );
        }
        match (before, after) {
            (ExtendedType::Object(b), ExtendedType::Object(a)) => {
                self.interfaces(&ty, &b.implements_interfaces, &a.implements_interfaces);
                self.fields(&ty, &b.fields, &a.fields);
            }
            (ExtendedType::Interface(b), ExtendedType::Interface(a)) => {
                self.interfaces(&ty, &b.implements_interfaces, &a.implements_interfaces);
                self.fields(&ty, &b.fields, &a.fields);
            }
            (ExtendedType::Union(b), ExtendedType::Union(a)) => {
                for member in b.members.iter().filter(|m| !a.members.contains(*m)) {
                    let kind = ChangeKind::MemberRemoved(member.to_string());
                    self.push(Class::Breaking, Coordinate::Type(ty.clone()), kind);
                }
                for member in a.members.iter().filter(|m| !b.members.contains(*m)) {
                    let kind = ChangeKind::MemberAdded(member.to_string());
                    self.push(Class::Dangerous, Coordinate::Type(ty.clone()), kind);
                }
            }
            (ExtendedType::Enum(b), ExtendedType::Enum(a)) => {
                for (value, old) in &b.values {
                    let at = Coordinate::EnumValue(ty.clone(), value.to_string());
                    match a.values.get(value) {
                        None => self.removed(at, deprecation(&old.directives).is_some()),
                        Some(new) => {
                            self.description(&at, &old.description, &new.description);
                            self.deprecation(&at, &old.directives, &new.directives, Class::Safe);
                        }
                    }
                }
                for value in a.values.keys().filter(|v| !b.values.contains_key(*v)) {
                    let at = Coordinate::EnumValue(ty.clone(), value.to_string());
                    self.added(at, Class::Dangerous, false);
                }
            }
            (ExtendedType::InputObject(b), ExtendedType::InputObject(a)) => {
                for (field, old) in &b.fields {
                    let at = Coordinate::InputField(ty.clone(), field.to_string());
                    match a.fields.get(field) {
                        None => self.removed(at, deprecation(&old.directives).is_some()),
                        Some(new) => self.input_value(at, old, new),
                    }
                }
                for (field, new) in a.fields.iter().filter(|(f, _)| !b.fields.contains_key(*f)) {
                    let at = Coordinate::InputField(ty.clone(), field.to_string());
                    self.input_added(at, new, Class::Dangerous);
                }
            }
            _ => {}
        }
    }

    fn interfaces(
        &mut self,
        ty: &str,
        before: &IndexSet<ComponentName>,
        after: &IndexSet<ComponentName>,
    ) {
        for interface in before.iter().filter(|i| !after.contains(*i)) {
            let kind = ChangeKind::InterfaceRemoved(interface.to_string());
            self.push(Class::Breaking, Coordinate::Type(ty.to_owned()), kind);
        }
        for interface in after.iter().filter(|i| !before.contains(*i)) {
            let kind = ChangeKind::InterfaceAdded(interface.to_string());
            self.push(Class::Dangerous, Coordinate::Type(ty.to_owned()), kind);
        }
    }

    fn fields(
        &mut self,
        ty: &str,
        before: &IndexMap<Name, Component<FieldDefinition>>,
        after: &IndexMap<Name, Component<FieldDefinition>>,
    ) {
        for (name, old) in before {
            let at = Coordinate::Field(ty.to_owned(), name.to_string());
            let Some(new) = after.get(name) else {
                self.removed(at, deprecation(&old.directives).is_some());
                continue;
            };
            if old.ty != new.ty {
                let class = if safe_for_output(&old.ty, &new.ty) {
                    Class::Safe
                } else {
                    Class::Breaking
                };
                let kind = ChangeKind::TypeChanged {
                    old: old.ty.to_string(),
                    new: new.ty.to_string(),
                };
                self.push(class, at.clone(), kind);
            }
            self.description(&at, &old.description, &new.description);
            self.deprecation(&at, &old.directives, &new.directives, Class::Dangerous);
            for old_arg in &old.arguments {
                let at =
                    Coordinate::Argument(ty.to_owned(), name.to_string(), old_arg.name.to_string());
                match new.arguments.iter().find(|a| a.name == old_arg.name) {
                    None => self.removed(at, deprecation(&old_arg.directives).is_some()),
                    Some(new_arg) => self.input_value(at, old_arg, new_arg),
                }
            }
            for new_arg in &new.arguments {
                if !old.arguments.iter().any(|a| a.name == new_arg.name) {
                    let at = Coordinate::Argument(
                        ty.to_owned(),
                        name.to_string(),
                        new_arg.name.to_string(),
                    );
                    self.input_added(at, new_arg, Class::Dangerous);
                }
            }
        }
        for name in after.keys().filter(|n| !before.contains_key(*n)) {
            let at = Coordinate::Field(ty.to_owned(), name.to_string());
            self.added(at, Class::Safe, false);
        }
    }

    /// An argument or input field added: breaking when required, else `optional`.
    fn input_added(&mut self, at: Coordinate, value: &InputValueDefinition, optional: Class) {
        let required = value.ty.is_non_null() && value.default_value.is_none();
        let class = if required { Class::Breaking } else { optional };
        self.added(at, class, required);
    }

    /// An argument or input field in both schemas.
    fn input_value(
        &mut self,
        at: Coordinate,
        old: &InputValueDefinition,
        new: &InputValueDefinition,
    ) {
        if old.ty != new.ty {
            let class = if safe_for_input(&old.ty, &new.ty) {
                Class::Safe
            } else {
                Class::Breaking
            };
            let kind = ChangeKind::TypeChanged {
                old: old.ty.to_string(),
                new: new.ty.to_string(),
            };
            self.push(class, at.clone(), kind);
        }
        let (old_default, new_default) = (
            old.default_value.as_ref().map(ToString::to_string),
            new.default_value.as_ref().map(ToString::to_string),
        );
        if old_default != new_default {
            let kind = ChangeKind::DefaultChanged {
                old: old_default,
                new: new_default,
            };
            self.push(Class::Dangerous, at.clone(), kind);
        }
        self.description(&at, &old.description, &new.description);
        self.deprecation(&at, &old.directives, &new.directives, Class::Safe);
    }

    fn directive(&mut self, before: &DirectiveDefinition, after: &DirectiveDefinition) {
        let name = before.name.to_string();
        let at = Coordinate::Directive(name.clone());
        self.description(&at, &before.description, &after.description);
        for old in &before.arguments {
            let at = Coordinate::DirectiveArgument(name.clone(), old.name.to_string());
            match after.argument_by_name(&old.name) {
                None => self.removed(at, false),
                Some(new) => self.input_value(at, old, new),
            }
        }
        for new in &after.arguments {
            if before.argument_by_name(&new.name).is_none() {
                let at = Coordinate::DirectiveArgument(name.clone(), new.name.to_string());
                self.input_added(at, new, Class::Safe);
            }
        }
        for location in before
            .locations
            .iter()
            .filter(|l| !after.locations.contains(l))
        {
            let kind = ChangeKind::LocationRemoved(location.to_string());
            self.push(Class::Breaking, at.clone(), kind);
        }
        for location in after
            .locations
            .iter()
            .filter(|l| !before.locations.contains(l))
        {
            let kind = ChangeKind::LocationAdded(location.to_string());
            self.push(Class::Safe, at.clone(), kind);
        }
        match (before.repeatable, after.repeatable) {
            (true, false) => self.push(Class::Breaking, at, ChangeKind::RepeatableRemoved),
            (false, true) => self.push(Class::Safe, at, ChangeKind::RepeatableAdded),
            _ => {}
        }
    }

    fn description(
        &mut self,
        at: &Coordinate,
        old: &Option<apollo_compiler::Node<str>>,
        new: &Option<apollo_compiler::Node<str>>,
    ) {
        if old.as_deref() != new.as_deref() {
            self.push(Class::Safe, at.clone(), ChangeKind::DescriptionChanged);
        }
    }

    /// Deprecation added or its reason changed (safe), or removed (`removed`).
    fn deprecation(
        &mut self,
        at: &Coordinate,
        old: &ast::DirectiveList,
        new: &ast::DirectiveList,
        removed: Class,
    ) {
        match (deprecation(old), deprecation(new)) {
            (None, Some(_)) => self.push(Class::Safe, at.clone(), ChangeKind::DeprecationAdded),
            (Some(_), None) => self.push(removed, at.clone(), ChangeKind::DeprecationRemoved),
            (Some(a), Some(b)) if a != b => {
                self.push(
                    Class::Safe,
                    at.clone(),
                    ChangeKind::DeprecationReasonChanged,
                );
            }
            _ => {}
        }
    }
}

/// `Some(reason)` when `@deprecated` is applied (the reason as written, or empty).
fn deprecation(directives: &ast::DirectiveList) -> Option<String> {
    let directive = directives.get("deprecated")?;
    Some(
        directive
            .specified_argument_by_name("reason")
            .map(|reason| reason.to_string())
            .unwrap_or_default(),
    )
}

/// Whether an output field may change from `old` to `new` without breaking a client: only
/// by becoming stricter (non-null, or a list of non-null items). graphql-js's
/// `isChangeSafeForObjectOrInterfaceField`.
pub fn safe_for_output(old: &Type, new: &Type) -> bool {
    match old {
        Type::List(old_item) => match new {
            Type::List(new_item) => safe_for_output(old_item, new_item),
            Type::NonNullList(_) => safe_for_output(old, &new.clone().nullable()),
            _ => false,
        },
        Type::NonNullList(_) | Type::NonNullNamed(_) => {
            new.is_non_null() && safe_for_output(&old.clone().nullable(), &new.clone().nullable())
        }
        Type::Named(old_name) => match new {
            Type::Named(new_name) => old_name == new_name,
            Type::NonNullNamed(_) => safe_for_output(old, &new.clone().nullable()),
            _ => false,
        },
    }
}

/// Whether an argument or input field may change from `old` to `new` without breaking a
/// client: only by becoming more lenient (nullable, or a list of nullable items).
/// graphql-js's `isChangeSafeForInputObjectFieldOrFieldArg`.
pub fn safe_for_input(old: &Type, new: &Type) -> bool {
    match old {
        Type::List(old_item) => match new {
            Type::List(new_item) => safe_for_input(old_item, new_item),
            _ => false,
        },
        Type::NonNullList(_) | Type::NonNullNamed(_) => {
            let old_nullable = old.clone().nullable();
            if new.is_non_null() {
                safe_for_input(&old_nullable, &new.clone().nullable())
            } else {
                safe_for_input(&old_nullable, new)
            }
        }
        Type::Named(old_name) => matches!(new, Type::Named(new_name) if old_name == new_name),
    }
}

#[cfg(test)]
mod tests;
