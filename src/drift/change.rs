//! The vocabulary of schema changes: where a change is (a schema coordinate), what happened
//! there, and how much it can break a client. [`super::schema`] finds and classifies them.

use std::fmt;

/// How much a change can break a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Operations that validated before may not validate now, or may get errors.
    Breaking,
    /// Valid operations stay valid, but may behave differently (a new enum value, a new
    /// default).
    Dangerous,
    /// Nothing a client relies on changes.
    Safe,
}

impl Class {
    /// `breaking`, `dangerous`, `safe`.
    pub fn name(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Dangerous => "dangerous",
            Class::Safe => "safe",
        }
    }
}

/// A place in a schema, written as a GraphQL schema coordinate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Coordinate {
    /// `Part`.
    Type(String),
    /// `Part.cost`.
    Field(String, String),
    /// `Query.parts(first:)`.
    Argument(String, String, String),
    /// `CreatePartInput.cost`.
    InputField(String, String),
    /// `PartTypeEnum.PART`.
    EnumValue(String, String),
    /// `@cacheControl`.
    Directive(String),
    /// `@cacheControl(maxAge:)`.
    DirectiveArgument(String, String),
    /// The root operation type of `query`, `mutation` or `subscription` (`schema.mutation`).
    Root(&'static str),
}

impl fmt::Display for Coordinate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Coordinate::Type(ty) => write!(f, "{ty}"),
            Coordinate::Field(ty, field) | Coordinate::InputField(ty, field) => {
                write!(f, "{ty}.{field}")
            }
            Coordinate::Argument(ty, field, arg) => write!(f, "{ty}.{field}({arg}:)"),
            Coordinate::EnumValue(ty, value) => write!(f, "{ty}.{value}"),
            Coordinate::Directive(name) => write!(f, "@{name}"),
            Coordinate::DirectiveArgument(name, arg) => write!(f, "@{name}({arg}:)"),
            Coordinate::Root(operation) => write!(f, "schema.{operation}"),
        }
    }
}

/// What happened at a coordinate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    /// It is gone (`deprecated`: it was deprecated first).
    Removed { deprecated: bool },
    /// It is new (`required`: an argument or input field every use must now give).
    Added { required: bool },
    /// A named type of another kind (`object type` → `interface`).
    KindChanged {
        old: &'static str,
        new: &'static str,
    },
    /// A field's, argument's or input field's type.
    TypeChanged { old: String, new: String },
    /// An argument's or input field's default value (`None`: no default).
    DefaultChanged {
        old: Option<String>,
        new: Option<String>,
    },
    /// A union lost this member.
    MemberRemoved(String),
    /// A union gained this member.
    MemberAdded(String),
    /// A type no longer implements this interface.
    InterfaceRemoved(String),
    /// A type now implements this interface.
    InterfaceAdded(String),
    /// The root operation type (`None`: there is none).
    RootChanged {
        old: Option<String>,
        new: Option<String>,
    },
    /// Now deprecated.
    DeprecationAdded,
    /// No longer deprecated.
    DeprecationRemoved,
    /// Still deprecated, for another reason.
    DeprecationReasonChanged,
    /// The description was added, changed or removed.
    DescriptionChanged,
    /// A directive may no longer be used at this location.
    LocationRemoved(String),
    /// A directive may now be used at this location.
    LocationAdded(String),
    /// A directive may no longer be repeated.
    RepeatableRemoved,
    /// A directive may now be repeated.
    RepeatableAdded,
}

/// One change from the old schema to the new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// How much it can break a client.
    pub class: Class,
    /// Where it is.
    pub at: Coordinate,
    /// What happened.
    pub kind: ChangeKind,
}

impl Change {
    /// What happened, in words (without the coordinate): `field removed`,
    /// `type changed from String! to String`.
    pub fn describe(&self) -> String {
        let what = match &self.at {
            Coordinate::Type(_) => "type",
            Coordinate::Field(..) => "field",
            Coordinate::Argument(..) | Coordinate::DirectiveArgument(..) => "argument",
            Coordinate::InputField(..) => "input field",
            Coordinate::EnumValue(..) => "enum value",
            Coordinate::Directive(_) => "directive",
            Coordinate::Root(_) => "root operation type",
        };
        match &self.kind {
            ChangeKind::Removed { deprecated: true } => format!("deprecated {what} removed"),
            ChangeKind::Removed { deprecated: false } => format!("{what} removed"),
            ChangeKind::Added { required: true } => format!("required {what} added"),
            ChangeKind::Added { required: false } => match &self.at {
                Coordinate::Argument(..)
                | Coordinate::InputField(..)
                | Coordinate::DirectiveArgument(..) => format!("optional {what} added"),
                _ => format!("{what} added"),
            },
            ChangeKind::KindChanged { old, new } => format!("changed from {old} to {new}"),
            ChangeKind::TypeChanged { old, new } => format!("type changed from {old} to {new}"),
            ChangeKind::DefaultChanged { old, new } => format!(
                "default changed from {} to {}",
                old.as_deref().unwrap_or("none"),
                new.as_deref().unwrap_or("none")
            ),
            ChangeKind::MemberRemoved(member) => format!("union member {member} removed"),
            ChangeKind::MemberAdded(member) => format!("union member {member} added"),
            ChangeKind::InterfaceRemoved(interface) => {
                format!("no longer implements {interface}")
            }
            ChangeKind::InterfaceAdded(interface) => format!("now implements {interface}"),
            ChangeKind::RootChanged { old, new } => format!(
                "changed from {} to {}",
                old.as_deref().unwrap_or("none"),
                new.as_deref().unwrap_or("none")
            ),
            ChangeKind::DeprecationAdded => format!("{what} deprecated"),
            ChangeKind::DeprecationRemoved => format!("{what} no longer deprecated"),
            ChangeKind::DeprecationReasonChanged => "deprecation reason changed".to_owned(),
            ChangeKind::DescriptionChanged => "description changed".to_owned(),
            ChangeKind::LocationRemoved(location) => format!("location {location} removed"),
            ChangeKind::LocationAdded(location) => format!("location {location} added"),
            ChangeKind::RepeatableRemoved => "no longer repeatable".to_owned(),
            ChangeKind::RepeatableAdded => "now repeatable".to_owned(),
        }
    }
}
