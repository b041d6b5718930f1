//! What the schema offers for one type of the chain: its list query and filters, and the
//! mutations that create, delete or archive it.

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
    let query = schema
        .root_operation(apollo_compiler::executable::OperationType::Query)
        .and_then(|name| schema.get_object(name))
        .ok_or("the schema has no Query type")?;
    let list = query.fields.values().find(|field| {
        node_type(schema, field.ty.inner_named_type().as_str()).as_deref() == Some(type_name)
    });
    let Some(list) = list else {
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

/// The node type of a Relay connection type, when `connection` is one.
fn node_type(schema: &Schema, connection: &str) -> Option<String> {
    let connection = schema.get_object(connection)?;
    let edges = connection.fields.get("edges")?;
    let edge = schema.get_object(edges.ty.inner_named_type())?;
    Some(edge.fields.get("node")?.ty.inner_named_type().to_string())
}
