//! Which family each root field of a schema belongs to, read off ION's conventions once per
//! schema (when the double loads it, or when `POST /__double/schema` replaces it), so that
//! the double serves any ION SDL without per-request schema walks.
//!
//! **Entities** are the object types with an `id` field (or, for join rows keyed by two ids
//! such as `PartProcedure`, an `_etag`) that some connection pages over
//! (`PartsConnection.edges.node`), some root query field returns, or some mutation payload
//! carries (`CreatePart { part }`). Each is a table of the store, empty when the seed has no
//! rows: a by-id lookup answers a row or null, a connection an empty page.
//!
//! Query families ([`QueryFamily`]): `me`; connections; by-id lookups `x(id: ID!)`;
//! composite-key lookups (`partProcedure(partId, procedureId)`: every argument required and
//! an `*Id` or an enum, the row whose columns equal them); `first` (an entity returned by a field whose arguments
//! are all optional, e.g. `barcodeTemplates(filters)`: the first matching row); `other`.
//!
//! Mutation families ([`MutationFamily`]), by name prefix and payload:
//! `create*` / `createOrUpdate*` (one entity in the payload), `create*` with a list input and
//! a list payload (`createRuns`), `update*` and its list form (`updateRuns`), `delete*` (an
//! entity named by the suffix, by `id` or by the `*Id` columns given), `add*`/`remove*`/
//! `attach*`/`detach*` relations (two ids: the rows are linked through the list columns the
//! relation fields read; an `add*` whose payload carries a row the ids do not name, such as
//! `addInputToPlan(input: {planId, partId}) { planInput }`, is a create), `cancel*`/`archive*` transitions (an update, with `status` set to
//! the verb's enum value), `copy*`/`clone*` (a new row copied from the source),
//! `special` (the double's hand-written ones: `createAbomForPartInventory`, the webhook
//! header mutations) and `other`, which the double answers with one error naming the field.

use std::collections::{BTreeMap, BTreeSet};

use apollo_compiler::Schema;
use apollo_compiler::schema::{ExtendedType, FieldDefinition, ObjectType};

use super::model::connection_node;

/// How the double answers a root query field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryFamily {
    /// `me`: the caller's `User`.
    Me,
    /// A Relay connection over `node` rows, with filters, sort and paging.
    Connection { node: String },
    /// `x(id: ID!)` (other arguments optional): the row or null.
    ById { entity: String },
    /// Every argument a required `*Id` or enum: the row whose columns equal them, or null.
    CompositeKey { entity: String },
    /// An entity with only optional arguments: the first row the filters keep, or null.
    First { entity: String },
    /// Not served generically.
    Other,
}

/// How the double answers a mutation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MutationFamily {
    /// A new row of `entity`, returned in the payload's `field`; `upsert` for
    /// `createOrUpdate*` (an update when the input names an existing row).
    Create {
        entity: String,
        field: String,
        upsert: bool,
    },
    /// A list input, one new row each, returned as the payload's list `field`.
    CreateMany { entity: String, field: String },
    /// Columns of an existing row, found by `id` (or its `*Id` columns).
    Update { entity: String, field: String },
    /// A list input, one update each.
    UpdateMany { entity: String, field: String },
    /// `cancel*`/`archive*`: an update that also sets the state the verb names.
    Transition {
        entity: String,
        field: String,
        verb: String,
    },
    /// `copy*`/`clone*`: a new row copied from the one named.
    Copy { entity: String, field: String },
    /// Removes a row, found by `id` (or its `*Id` columns).
    Delete { entity: String },
    /// `add*`/`attach*` (`adding`) or `remove*`/`detach*`: links or unlinks two rows.
    Relation { adding: bool },
    /// Hand-written in the double.
    Special,
    /// Not served generically.
    Other,
}

impl QueryFamily {
    /// The family's name, as the coverage figures print it.
    pub fn name(&self) -> &'static str {
        match self {
            QueryFamily::Me => "me",
            QueryFamily::Connection { .. } => "connection",
            QueryFamily::ById { .. } => "by-id",
            QueryFamily::CompositeKey { .. } => "composite-key",
            QueryFamily::First { .. } => "first",
            QueryFamily::Other => "other",
        }
    }

    /// Whether the double answers it (every family but `other`).
    pub fn is_served(&self) -> bool {
        *self != QueryFamily::Other
    }
}

impl MutationFamily {
    /// The family's name, as the coverage figures print it.
    pub fn name(&self) -> &'static str {
        match self {
            MutationFamily::Create { .. } => "create",
            MutationFamily::CreateMany { .. } => "create-many",
            MutationFamily::Update { .. } => "update",
            MutationFamily::UpdateMany { .. } => "update-many",
            MutationFamily::Transition { .. } => "transition",
            MutationFamily::Copy { .. } => "copy",
            MutationFamily::Delete { .. } => "delete",
            MutationFamily::Relation { .. } => "relation",
            MutationFamily::Special => "special",
            MutationFamily::Other => "other",
        }
    }

    /// Whether the double answers it (every family but `other`).
    pub fn is_served(&self) -> bool {
        *self != MutationFamily::Other
    }
}

/// Mutations the double answers with hand-written code (see `mutate.rs` and `webhook/`).
const SPECIAL: [&str; 3] = [
    "createAbomForPartInventory",
    "addHeaderToWebhookReceiver",
    "removeHeaderFromWebhookReceiver",
];

/// Every root field of one schema, by family, and its entity types.
#[derive(Debug, Default)]
pub struct Families {
    entities: BTreeSet<String>,
    queries: BTreeMap<String, QueryFamily>,
    mutations: BTreeMap<String, MutationFamily>,
}

impl Families {
    /// Classifies every root query field and mutation of `schema`.
    pub fn classify(schema: &Schema) -> Families {
        let entities = entities(schema);
        let mut families = Families {
            entities,
            ..Families::default()
        };
        if let Some(query) = root(schema, "query") {
            for (name, field) in &query.fields {
                let family = families.query_family(schema, name, field);
                families.queries.insert(name.to_string(), family);
            }
        }
        if let Some(mutation) = root(schema, "mutation") {
            for (name, field) in &mutation.fields {
                let family = families.mutation_family(schema, name, field);
                families.mutations.insert(name.to_string(), family);
            }
        }
        families
    }

    /// Whether `type_name` is an entity type (a table of the store).
    pub fn is_entity(&self, type_name: &str) -> bool {
        self.entities.contains(type_name)
    }

    /// The entity types, by name.
    pub fn entities(&self) -> impl Iterator<Item = &str> {
        self.entities.iter().map(String::as_str)
    }

    /// The entity called `name`, ignoring ASCII case (`Mbom` → `MBom`).
    pub fn entity_named(&self, name: &str) -> Option<&str> {
        self.entities
            .iter()
            .find(|e| e.eq_ignore_ascii_case(name))
            .map(String::as_str)
    }

    /// The root query fields and their families, by name.
    pub fn queries(&self) -> impl Iterator<Item = (&str, &QueryFamily)> {
        self.queries.iter().map(|(n, f)| (n.as_str(), f))
    }

    /// The mutations and their families, by name.
    pub fn mutations(&self) -> impl Iterator<Item = (&str, &MutationFamily)> {
        self.mutations.iter().map(|(n, f)| (n.as_str(), f))
    }

    /// The family of the root query field `name` (`Other` when unknown).
    pub fn query(&self, name: &str) -> &QueryFamily {
        self.queries.get(name).unwrap_or(&QueryFamily::Other)
    }

    /// The family of the mutation `name` (`Other` when unknown).
    pub fn mutation(&self, name: &str) -> &MutationFamily {
        self.mutations.get(name).unwrap_or(&MutationFamily::Other)
    }

    fn query_family(&self, schema: &Schema, name: &str, field: &FieldDefinition) -> QueryFamily {
        let named = field.ty.inner_named_type().as_str();
        if name == "me" {
            return QueryFamily::Me;
        }
        if let Some(node) = connection_node(schema, named) {
            return QueryFamily::Connection {
                node: node.to_owned(),
            };
        }
        if !self.is_entity(named) || field.ty.is_list() {
            return QueryFamily::Other;
        }
        let entity = named.to_owned();
        let args = &field.arguments;
        let optional_beside_id = args.iter().all(|a| a.name == "id" || !a.ty.is_non_null());
        if args.iter().any(|a| a.name == "id") && optional_beside_id {
            QueryFamily::ById { entity }
        } else if !args.is_empty()
            && args.iter().all(|a| {
                let is_enum = matches!(
                    schema.types.get(a.ty.inner_named_type()),
                    Some(ExtendedType::Enum(_))
                );
                a.ty.is_non_null() && (a.name.ends_with("Id") || is_enum)
            })
        {
            QueryFamily::CompositeKey { entity }
        } else if args.iter().all(|a| !a.ty.is_non_null()) {
            QueryFamily::First { entity }
        } else {
            QueryFamily::Other
        }
    }

    fn mutation_family(
        &self,
        schema: &Schema,
        name: &str,
        field: &FieldDefinition,
    ) -> MutationFamily {
        if SPECIAL.contains(&name) {
            return MutationFamily::Special;
        }
        let payload = field.ty.inner_named_type().as_str();
        let carried = self.carried(schema, payload);
        let list_input = field
            .arguments
            .iter()
            .any(|a| a.name == "input" && a.ty.is_list());
        let verb_end = name
            .find(|c: char| c.is_ascii_uppercase())
            .unwrap_or(name.len());
        let (verb, rest) = name.split_at(verb_end);
        let single = || carried.iter().find(|(_, _, list)| !list).cloned();
        let many = || carried.iter().find(|(_, _, list)| *list).cloned();
        let with =
            |(field, entity, _): (String, String, bool),
             make: fn(String, String) -> MutationFamily| { make(entity, field) };
        match verb {
            "delete" => match self.entity_named(rest) {
                Some(entity) => MutationFamily::Delete {
                    entity: entity.to_owned(),
                },
                None => MutationFamily::Other,
            },
            "create" if list_input => many().map_or(MutationFamily::Other, |c| {
                with(c, |entity, field| MutationFamily::CreateMany {
                    entity,
                    field,
                })
            }),
            "create" => single().map_or(MutationFamily::Other, |(field, entity, _)| {
                MutationFamily::Create {
                    entity,
                    field,
                    upsert: rest.starts_with("OrUpdate"),
                }
            }),
            "update" if list_input => many().map_or(MutationFamily::Other, |c| {
                with(c, |entity, field| MutationFamily::UpdateMany {
                    entity,
                    field,
                })
            }),
            "update" => single().map_or(MutationFamily::Other, |c| {
                with(c, |entity, field| MutationFamily::Update { entity, field })
            }),
            "cancel" | "archive" => single().map_or(MutationFamily::Other, |(field, entity, _)| {
                MutationFamily::Transition {
                    entity,
                    field,
                    verb: verb.to_owned(),
                }
            }),
            "copy" | "clone" => single().map_or(MutationFamily::Other, |c| {
                with(c, |entity, field| MutationFamily::Copy { entity, field })
            }),
            "add" | "attach" | "remove" | "detach" => {
                let keys = id_keys(schema, field);
                let names_row = |entity: &str| {
                    keys.iter()
                        .any(|key| key[..key.len() - 2].eq_ignore_ascii_case(entity))
                };
                match single() {
                    // `addInputToPlan(input: {planId, partId}) { planInput }` makes a row.
                    Some((field, entity, _)) if verb == "add" && !names_row(&entity) => {
                        MutationFamily::Create {
                            entity,
                            field,
                            upsert: false,
                        }
                    }
                    _ if keys.len() >= 2 => MutationFamily::Relation {
                        adding: matches!(verb, "add" | "attach"),
                    },
                    _ => MutationFamily::Other,
                }
            }
            _ => MutationFamily::Other,
        }
    }

    /// The payload's entity fields: (field, entity, whether a list).
    fn carried(&self, schema: &Schema, payload: &str) -> Vec<(String, String, bool)> {
        let Some(ExtendedType::Object(object)) = schema.types.get(payload) else {
            return Vec::new();
        };
        object
            .fields
            .iter()
            .filter(|(_, f)| self.is_entity(f.ty.inner_named_type()))
            .map(|(n, f)| {
                let entity = f.ty.inner_named_type().to_string();
                (n.to_string(), entity, f.ty.is_list())
            })
            .collect()
    }
}

/// The `*Id` arguments and input fields of a mutation: the rows it names.
fn id_keys(schema: &Schema, field: &FieldDefinition) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for argument in &field.arguments {
        match schema.types.get(argument.ty.inner_named_type()) {
            Some(ExtendedType::InputObject(input)) => keys.extend(
                input
                    .fields
                    .keys()
                    .filter(|k| k.ends_with("Id"))
                    .map(|k| k.to_string()),
            ),
            _ if argument.name.ends_with("Id") => keys.push(argument.name.to_string()),
            _ => {}
        }
    }
    keys
}

/// The schema's root object of `kind` (`query` or `mutation`).
fn root<'s>(schema: &'s Schema, kind: &str) -> Option<&'s ObjectType> {
    let name = match kind {
        "query" => schema.schema_definition.query.as_ref(),
        _ => schema.schema_definition.mutation.as_ref(),
    }?;
    schema.get_object(name.as_str()).map(|o| &**o)
}

/// Object types with an `id` field reached as a connection's node, a root query field's
/// type, or a field of a mutation's payload.
fn entities(schema: &Schema) -> BTreeSet<String> {
    // ION's rows carry an `id`, or (join rows keyed by two ids, `PartProcedure`) an etag.
    let has_id = |name: &str| {
        matches!(schema.types.get(name),
        Some(ExtendedType::Object(o)) if ["id", "_etag", "Etag"].iter().any(|key| {
            o.fields.get(*key).is_some_and(|f| !f.ty.is_list())
        }))
    };
    let mut found = BTreeSet::new();
    if let Some(query) = root(schema, "query") {
        for field in query.fields.values() {
            let named = field.ty.inner_named_type().as_str();
            let node = connection_node(schema, named).unwrap_or(named);
            if has_id(node) {
                found.insert(node.to_owned());
            }
        }
    }
    if let Some(mutation) = root(schema, "mutation") {
        for field in mutation.fields.values() {
            if let Some(ExtendedType::Object(payload)) =
                schema.types.get(field.ty.inner_named_type())
            {
                for carried in payload.fields.values() {
                    let named = carried.ty.inner_named_type().as_str();
                    if has_id(named) {
                        found.insert(named.to_owned());
                    }
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests;
