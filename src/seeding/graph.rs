//! What the schema offers for one type of the chain: its list query and filters, and the
//! mutations that create, delete or archive it; and, for `sweep`, every type it can both
//! list and delete ([`deletable_types`]).

use apollo_compiler::Schema;
use apollo_compiler::schema::ExtendedType;

/// The operations of one object type.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    /// The Query field listing it (`parts`).
    pub(crate) list: String,
    /// Its `filters` input type (`PartsInputFilters`).
    pub(crate) filters: String,
    /// The filter fields it has.
    pub(crate) filter_fields: Vec<String>,
    /// `create<Type>`, when the schema has it.
    pub(crate) create: Option<Mutation>,
    /// `delete<Type>(etag, id)`, when the schema has it.
    pub(crate) delete: Option<String>,
    /// `archive<Type>(input: {id, etag, archived})`, when the schema has it.
    pub(crate) archive: Option<Mutation>,
    /// Its output fields of scalar or enum type.
    pub(crate) scalars: Vec<String>,
}

/// A mutation: how to call it and where its entity is in the payload.
#[derive(Debug, Clone)]
pub(crate) struct Mutation {
    pub(crate) name: String,
    /// Its arguments and their GraphQL types (`input: CreatePartInput!`).
    pub(crate) args: Vec<(String, String)>,
    /// The payload field holding the entity (`part`).
    pub(crate) payload_field: String,
}

impl Mutation {
    /// Whether it takes one `input` argument.
    pub(crate) fn takes_input(&self) -> bool {
        self.args.iter().any(|(name, _)| name == "input")
    }
}

/// The operations of `type_name`, or why the chain cannot use it.
pub(crate) fn shape(schema: &Schema, type_name: &str) -> Result<Shape, String> {
    let Some(ExtendedType::Object(object)) = schema.types.get(type_name) else {
        return Err(format!("`{type_name}` is not an object type of the schema"));
    };
    let query = query_type(schema).ok_or("the schema has no Query type")?;
    let Some(list) = list_field(query, schema, type_name) else {
        return Err(format!(
            "the schema has no Query field listing `{type_name}` (a connection of it)"
        ));
    };
    let filters = list
        .arguments
        .iter()
        .find(|a| a.name == "filters")
        .map(|a| a.ty.inner_named_type().to_string())
        .ok_or_else(|| format!("Query.{} takes no `filters`", list.name))?;
    let filter_fields = match schema.types.get(filters.as_str()) {
        Some(ExtendedType::InputObject(input)) => {
            input.fields.keys().map(|k| k.to_string()).collect()
        }
        _ => Vec::new(),
    };
    let scalars = object
        .fields
        .values()
        .filter(|f| {
            matches!(
                schema.types.get(f.ty.inner_named_type()),
                Some(ExtendedType::Scalar(_) | ExtendedType::Enum(_))
            )
        })
        .map(|f| f.name.to_string())
        .collect();
    Ok(Shape {
        list: list.name.to_string(),
        filters,
        filter_fields,
        create: mutation(schema, &format!("create{type_name}"), type_name),
        delete: mutation(schema, &format!("delete{type_name}"), type_name).map(|m| m.name),
        archive: mutation(schema, &format!("archive{type_name}"), type_name),
        scalars,
    })
}

/// The Mutation field called `name` (compared without case: ION spells `createAbomItem` for
/// `ABomItem`), with its arguments and the payload field holding `entity`.
pub(crate) fn mutation(schema: &Schema, name: &str, entity: &str) -> Option<Mutation> {
    let root = schema
        .root_operation(apollo_compiler::executable::OperationType::Mutation)
        .and_then(|n| schema.get_object(n))?;
    let field = root
        .fields
        .values()
        .find(|f| f.name.as_str().eq_ignore_ascii_case(name))?;
    let payload = schema.get_object(field.ty.inner_named_type())?;
    let payload_field = payload
        .fields
        .values()
        .find(|f| f.ty.inner_named_type() == entity)
        .or_else(|| payload.fields.values().next())?
        .name
        .to_string();
    Some(Mutation {
        name: field.name.to_string(),
        args: field
            .arguments
            .iter()
            .map(|a| (a.name.to_string(), a.ty.to_string()))
            .collect(),
        payload_field,
    })
}

/// The schema's Query type.
fn query_type(
    schema: &Schema,
) -> Option<&apollo_compiler::Node<apollo_compiler::schema::ObjectType>> {
    schema
        .root_operation(apollo_compiler::executable::OperationType::Query)
        .and_then(|name| schema.get_object(name))
}

/// The field of `query` (the Query type) that lists `type_name`: one returning a
/// connection of it.
fn list_field<'s>(
    query: &'s apollo_compiler::schema::ObjectType,
    schema: &Schema,
    type_name: &str,
) -> Option<&'s apollo_compiler::schema::Component<apollo_compiler::schema::FieldDefinition>> {
    query.fields.values().find(|field| {
        node_type(schema, field.ty.inner_named_type().as_str()).as_deref() == Some(type_name)
    })
}

/// A type ION can delete and list, by its conventions: `delete<Type>(etag, id)` and a Query
/// field returning a connection of it.
#[derive(Debug, Clone)]
pub(crate) struct Deletable {
    /// The object type (`Part`).
    pub(crate) type_name: String,
    /// The Query field listing it (`parts`).
    pub(crate) list: String,
    /// Its `filters` input type, when the list takes one (`PartsInputFilters`).
    pub(crate) filters: Option<String>,
    /// Whether those filters have `id`.
    pub(crate) filters_by_id: bool,
    /// The delete mutation (`deletePart(etag, id)`).
    pub(crate) delete: Mutation,
    /// Whether it has `_etag` (the delete needs it).
    pub(crate) has_etag: bool,
    /// Its output fields of type `String` that take no arguments, in schema order, without
    /// `_etag` and fields that hold secrets (a receiver's `sharedSecret`): never read.
    pub(crate) strings: Vec<String>,
}

/// Every object type of `schema` that is [`Deletable`], in schema order.
pub(crate) fn deletable_types(schema: &Schema) -> Vec<Deletable> {
    let Some(query) = query_type(schema) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (name, ty) in &schema.types {
        let ExtendedType::Object(object) = ty else {
            continue;
        };
        let type_name = name.as_str();
        let Some(delete) = mutation(schema, &format!("delete{type_name}"), type_name) else {
            continue;
        };
        let takes = |arg: &str| delete.args.iter().any(|(name, _)| name == arg);
        let etag_and_id = takes("etag") && takes("id");
        if !etag_and_id {
            continue;
        }
        let Some(list) = list_field(query, schema, type_name) else {
            continue;
        };
        let filters = list
            .arguments
            .iter()
            .find(|a| a.name == "filters")
            .map(|a| a.ty.inner_named_type().to_string());
        let filters_by_id = filters.as_deref().is_some_and(|f| {
            matches!(schema.types.get(f), Some(ExtendedType::InputObject(input)) if input.fields.contains_key("id"))
        });
        let strings = object
            .fields
            .values()
            .filter(|f| f.arguments.is_empty() && f.ty.inner_named_type() == "String")
            .map(|f| f.name.to_string())
            .filter(|name| name != "_etag" && !crate::redact::is_secret_key(name))
            .collect();
        found.push(Deletable {
            type_name: type_name.to_owned(),
            list: list.name.to_string(),
            filters,
            filters_by_id,
            delete,
            has_etag: object.fields.contains_key("_etag"),
            strings,
        });
    }
    found
}

/// The node type of a Relay connection type, when `connection` is one.
fn node_type(schema: &Schema, connection: &str) -> Option<String> {
    let connection = schema.get_object(connection)?;
    let edges = connection.fields.get("edges")?;
    let edge = schema.get_object(edges.ty.inner_named_type())?;
    Some(edge.fields.get("node")?.ty.inner_named_type().to_string())
}
