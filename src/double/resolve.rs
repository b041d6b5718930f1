//! Executes one GraphQL request against the store with apollo-compiler's resolvers.
//!
//! Three kinds of object values cover the whole schema subset: the root (`Query` or
//! `Mutation`), an entity row (fields are columns or relations, see [`super::model`]), and
//! plain JSON for everything else (payloads, connections, edges, page info).

use std::cell::RefCell;
use std::sync::Arc;

use apollo_compiler::ExecutableDocument;
use apollo_compiler::Schema;
use apollo_compiler::executable::Type;
use apollo_compiler::resolvers::{Execution, FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use apollo_compiler::response::{JsonMap, JsonValue};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use serde_json::{Map, Value, json};

use super::api_keys::{Action, Role};
use super::defaults::Defaults;
use super::documents::Documents;
use super::families::{Families, QueryFamily};
use super::graphql_errors;
use super::limits::{Budget, LimitExceeded, Limits};
use super::model::{Related, as_id, related};
use super::mutate;
use super::query::{Filter, connection, sort};

mod depth;
use super::store::{Row, Store};

/// The code ION's conflict errors carry in `extensions`.
const CONFLICT_CODE: &str = "CONCURRENCY_CONFLICT";

/// Everything a resolver may touch while one request executes.
pub(crate) struct Context<'s> {
    pub schema: &'s Valid<Schema>,
    /// The schema's root fields by family, and its entity types.
    pub families: &'s Families,
    pub store: RefCell<&'s mut Store>,
    /// The role the request's token carries: what its mutations may do.
    pub role: Role,
    /// What the request may still cost ([`super::limits`]).
    pub budget: &'s Budget,
}

/// An operation parsed and validated against the schema, ready to run.
pub(crate) struct Prepared {
    document: Arc<Valid<ExecutableDocument>>,
    operation_name: Option<String>,
    /// Whether the operation is a mutation (runs under the store's lock) or a query (runs on
    /// a copy of the store).
    pub(crate) is_mutation: bool,
}

/// Parses and validates `query` and picks its operation: `Err` is the response body of a
/// request that does not run (`{errors}`), or the limit it met before running.
pub(crate) fn prepare(
    schema: &Valid<Schema>,
    documents: &Documents,
    query: &str,
    operation_name: Option<&str>,
    limits: &Limits,
) -> Result<Prepared, Refused> {
    let document = documents.validate(schema, query).map_err(|invalid| {
        let errors = graphql_errors::validation_errors(schema, query, &invalid.errors);
        Refused::Errors(json!({ "errors": errors }))
    })?;
    let operation = document.operations.get(operation_name).map_err(|_| {
        let count = document.operations.iter().count();
        let error = graphql_errors::operation_choice_error(operation_name, count);
        Refused::Errors(json!({ "errors": [error] }))
    })?;
    let depth = depth::of_operation(&document, operation, limits.max_depth);
    if depth > limits.max_depth {
        return Err(Refused::Limit(LimitExceeded::Depth {
            limit: limits.max_depth,
        }));
    }
    let is_mutation = operation.operation_type.is_mutation();
    Ok(Prepared {
        operation_name: operation_name.map(str::to_owned),
        is_mutation,
        document,
    })
}

/// Why a request did not run or did not finish.
#[derive(Debug)]
pub(crate) enum Refused {
    /// The response body: the document is invalid or names no operation.
    Errors(Value),
    /// A limit of [`super::limits`] was met.
    Limit(LimitExceeded),
}

/// Runs a prepared operation for a token of `role` and returns the GraphQL response body
/// (`{data, errors}`), or the limit it met on the way.
pub(crate) fn run(
    schema: &Valid<Schema>,
    families: &Families,
    store: &mut Store,
    role: Role,
    prepared: &Prepared,
    variables: &Map<String, Value>,
    budget: &Budget,
) -> Result<Value, LimitExceeded> {
    let document = &prepared.document;
    let Ok(operation) = document.operations.get(prepared.operation_name.as_deref()) else {
        return Ok(json!({"errors": [{"message": "Unknown operation."}]}));
    };
    let variables: JsonMap = from_json(Value::Object(variables.clone()));
    let execution = Execution::new(schema, document)
        .operation(operation)
        .raw_variable_values(&variables)
        .enable_schema_introspection(true);
    let context = Context {
        schema,
        families,
        store: RefCell::new(store),
        role,
        budget,
    };
    let root = Root {
        context: &context,
        type_name: operation.object_type().to_string(),
        is_mutation: prepared.is_mutation,
    };
    let outcome = execution.execute_sync(&root);
    if let Some(exceeded) = budget.exceeded() {
        return Err(exceeded);
    }
    let mut body = match outcome {
        Ok(response) => serde_json::to_value(response).unwrap_or(Value::Null),
        Err(error) => json!({"errors": [error.to_graphql_error(&document.sources)]}),
    };
    polish_errors(&mut body);
    Ok(body)
}

/// Gives resolver errors ION's shape: the bare message (apollo-compiler prefixes
/// `resolver error: `), and `extensions.code` on etag mismatches, as ION's error table
/// documents.
fn polish_errors(body: &mut Value) {
    let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) else {
        return;
    };
    for error in errors {
        if let Some(bare) = error["message"]
            .as_str()
            .and_then(|m| m.strip_prefix("resolver error: "))
        {
            error["message"] = Value::from(bare.to_owned());
        }
        if error["message"] == super::store::ETAG_MISMATCH {
            error["extensions"] = json!({ "code": CONFLICT_CODE });
        }
    }
}

/// The operation's root object (`Query` or `Mutation`).
struct Root<'c> {
    context: &'c Context<'c>,
    type_name: String,
    is_mutation: bool,
}

impl ObjectValue for Root<'_> {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        self.context.charge(1)?;
        let args = to_json_map(info.arguments());
        let field = info.field_definition();
        let name = info.field_name();
        let schema = self.context.schema;
        if self.is_mutation {
            let action = Action::of(name);
            if !self.context.role.allows(action) {
                return Err(error(action.refusal()));
            }
            let mut store = self.context.store.borrow_mut();
            let payload_type = field.ty.inner_named_type().as_str();
            let families = self.context.families;
            let payload = mutate::apply(schema, families, &mut store, name, payload_type, &args)
                .map_err(error)?;
            drop(store);
            return Ok(self.context.resolve(&field.ty, payload));
        }
        let store = self.context.store.borrow();
        let value = match self.context.families.query(name) {
            QueryFamily::Me => store.get("User", store.me()).cloned().map(Value::Object),
            QueryFamily::Connection { node } => {
                let rows = store.rows(node).cloned().collect();
                let rows = self.context.list(&store, node, rows, &args)?;
                Some(connection(rows, &args).map_err(error)?)
            }
            QueryFamily::ById { entity } => {
                let given = args.get("id").unwrap_or(&Value::Null);
                let Some(id) = as_id(given) else {
                    return Err(error(graphql_errors::malformed_id(given)));
                };
                store.get(entity, id).cloned().map(Value::Object)
            }
            QueryFamily::CompositeKey { entity } => store
                .rows(entity)
                .find(|row| has_columns(self.context.schema, entity, row, &args))
                .cloned()
                .map(Value::Object),
            QueryFamily::First { entity } => {
                let rows = store.rows(entity).cloned().collect();
                let rows = self.context.list(&store, entity, rows, &args)?;
                rows.into_iter().next().map(Value::Object)
            }
            QueryFamily::Other => {
                return Err(error(format!(
                    "the ION double does not serve Query.{name} (family: other): it serves `me`, \
                     connections, by-id and composite-key lookups of entity types; run this \
                     operation against a sandbox target"
                )));
            }
        };
        drop(store);
        Ok(self
            .context
            .resolve(&field.ty, value.unwrap_or(Value::Null)))
    }
}

/// Whether `row`'s columns equal every argument that is a field of `entity` (ids compared
/// as ids: `"3"` is `3`).
fn has_columns(schema: &Schema, entity: &str, row: &Row, args: &Map<String, Value>) -> bool {
    let mut columns = args
        .iter()
        .filter(|(key, _)| super::model::field_definition(schema, entity, key).is_some());
    columns.all(|(key, wanted)| match row.get(key) {
        Some(value) if key.ends_with("Id") => {
            as_id(value).is_some() && as_id(value) == as_id(wanted)
        }
        Some(value) => value == wanted,
        None => false,
    })
}

impl<'c> Context<'c> {
    /// Charges `values` to the request's budget; past a limit, the field fails (and the
    /// whole request is answered as [`super::limits`] says).
    fn charge(&self, values: usize) -> Result<(), FieldError> {
        self.budget
            .charge(u64::try_from(values).unwrap_or(u64::MAX))
            .map_err(|_| error("the ION double stopped this request at one of its limits"))
    }

    /// Whether `type_name` is a table: an entity of the schema or of the seed.
    fn is_entity(&self, type_name: &str) -> bool {
        self.families.is_entity(type_name) || self.store.borrow().is_table(type_name)
    }

    /// Filters and sorts rows of `type_name` by the `filters` and `sort` arguments.
    fn list(
        &self,
        store: &Store,
        type_name: &str,
        rows: Vec<Row>,
        args: &Map<String, Value>,
    ) -> Result<Vec<Row>, FieldError> {
        let filter = Filter {
            schema: self.schema,
            store,
        };
        let wanted = args.get("filters").unwrap_or(&Value::Null);
        let mut kept = Vec::new();
        for row in rows {
            if filter.matches(type_name, &row, wanted).map_err(error)? {
                kept.push(row);
            }
        }
        sort(&mut kept, args.get("sort").unwrap_or(&Value::Null));
        Ok(kept)
    }

    /// A JSON value as the resolved value of a field of type `ty`.
    fn resolve<'a>(&'a self, ty: &Type, value: Value) -> ResolvedValue<'a> {
        match value {
            Value::Null => ResolvedValue::null(),
            Value::Array(items) if ty.is_list() && self.charge(items.len()).is_err() => {
                ResolvedValue::null()
            }
            Value::Array(items) if ty.is_list() => {
                let item_ty = ty.item_type().clone();
                let items: Vec<_> = items
                    .into_iter()
                    .map(|v| self.resolve(&item_ty, v))
                    .collect();
                ResolvedValue::list(items)
            }
            Value::Object(map) => {
                let named = ty.inner_named_type().as_str();
                let is_entity = self.is_entity(named);
                match self.schema.types.get(named) {
                    Some(ExtendedType::Object(_)) => ResolvedValue::object(Object {
                        context: self,
                        type_name: named.to_owned(),
                        fields: map,
                        is_entity,
                    }),
                    _ => ResolvedValue::leaf(from_json::<JsonValue>(Value::Object(map))),
                }
            }
            // graphql-core serializes a number in a `String` field as its text (ids of
            // types that declare `id: String`).
            Value::Number(n) if ty.inner_named_type() == "String" => {
                ResolvedValue::leaf(JsonValue::from(n.to_string()))
            }
            Value::Number(n) if ty.inner_named_type() == "Float" => ResolvedValue::leaf(
                from_json::<JsonValue>(n.as_f64().map_or(Value::Null, Value::from)),
            ),
            leaf => ResolvedValue::leaf(from_json::<JsonValue>(leaf)),
        }
    }
}

/// An entity row, or a plain JSON object (payload, connection, edge, page info).
struct Object<'a, 'c> {
    context: &'a Context<'c>,
    type_name: String,
    fields: Row,
    is_entity: bool,
}

impl ObjectValue for Object<'_, '_> {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        self.context.charge(1)?;
        let field = info.field_definition();
        let name = info.field_name();
        let named = field.ty.inner_named_type().as_str();
        let is_relation = self.is_entity && self.context.is_entity(named);
        let store = self.context.store.borrow();
        let mut value = if is_relation {
            match related(
                self.context.schema,
                &store,
                &self.type_name,
                &self.fields,
                name,
                named,
                field.ty.is_list(),
            ) {
                Related::One(row) => row.map_or(Value::Null, Value::Object),
                Related::Many(rows) => {
                    let args = to_json_map(info.arguments());
                    let rows = self.context.list(&store, named, rows, &args)?;
                    Value::Array(rows.into_iter().map(Value::Object).collect())
                }
            }
        } else {
            self.fields.get(name).cloned().unwrap_or(Value::Null)
        };
        if value.is_null() {
            let defaults = Defaults {
                schema: self.context.schema,
                store: &store,
            };
            let is_entity = self.context.families.is_entity(named) || store.is_table(named);
            value = defaults.value(&self.fields, name, &field.ty, is_entity);
        }
        drop(store);
        Ok(self.context.resolve(&field.ty, value))
    }
}

fn error(message: impl Into<String>) -> FieldError {
    FieldError {
        message: message.into(),
    }
}

fn to_json_map(map: &JsonMap) -> Map<String, Value> {
    match serde_json::to_value(map) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

fn from_json<T: serde::de::DeserializeOwned + Default>(value: Value) -> T {
    serde_json::from_value(value).unwrap_or_default()
}
