//! Seeding, finding, cleaning and counting the chain on a target, through its GraphQL API.

use std::collections::{BTreeMap, BTreeSet};

use apollo_compiler::Schema;
use serde_json::{Map, Value, json};

use super::graph::{Mutation, Shape, shape};
use super::{Chain, Link};
use crate::client::GraphqlClient;
use crate::progress::Progress;

/// An entity of the chain as found (or made) on the target.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The chain's name for it.
    pub name: String,
    /// Its type.
    pub type_name: String,
    /// Its id.
    pub id: Value,
    /// Its current etag.
    pub etag: Option<String>,
    /// Whether this run created it.
    pub created: bool,
    /// Its scalar fields as the target answered them (for the drift baseline).
    pub fields: Map<String, Value>,
}

/// Why a seeding operation stopped.
#[derive(Debug, thiserror::Error)]
#[error("seeding chain, entity `{entity}` ({type_name}): {problem}")]
pub struct SeedError {
    /// The chain's name for the entity.
    pub entity: String,
    /// Its type.
    pub type_name: String,
    /// What went wrong, and how to fix it.
    pub problem: String,
}

/// Runs the chain against one target.
pub struct Seeder<'a> {
    chain: &'a Chain,
    schema: &'a Schema,
    client: &'a GraphqlClient,
    progress: &'a Progress,
}

impl<'a> Seeder<'a> {
    /// A seeder for `chain`, checked against `schema`, sending with `client`.
    pub fn new(chain: &'a Chain, schema: &'a Schema, client: &'a GraphqlClient) -> Self {
        Seeder {
            chain,
            schema,
            client,
            progress: Progress::hidden_ref(),
        }
    }

    /// Shows each entity on `progress` as it is seeded, read, removed or counted.
    pub fn with_progress(self, progress: &'a Progress) -> Self {
        Seeder { progress, ..self }
    }

    /// Creates what is missing; returns every entity, found or created, in chain order.
    pub async fn seed(&self) -> Result<Vec<Found>, SeedError> {
        let mut found: Vec<Found> = Vec::new();
        let phase = self.progress.start(self.chain.links.len(), "seed");
        for link in &self.chain.links {
            phase.advance(link);
            let shape = self.shape(link)?;
            let key = self.resolve(link, &link.key, &found).await?;
            if let Some(existing) = self.lookup(link, &shape, &key).await? {
                found.push(existing);
                continue;
            }
            let mut created = self.create(link, &shape, &key, &found).await?;
            // Read it back: the payload holds only its id.
            if let Some(read) = self.lookup(link, &shape, &key).await? {
                created.fields = read.fields;
                created.etag = read.etag;
            }
            found.push(created);
        }
        Ok(found)
    }

    /// Looks every entity up by its key, without creating anything; `None` for the missing
    /// ones (and for those whose key refers to a missing one).
    pub async fn find(&self) -> Result<Vec<(String, Option<Found>)>, SeedError> {
        let mut found: Vec<Found> = Vec::new();
        let mut all = Vec::new();
        let phase = self.progress.start(self.chain.links.len(), "read");
        for link in &self.chain.links {
            phase.advance(link);
            let shape = self.shape(link)?;
            let entity = match self.resolve(link, &link.key, &found).await {
                Ok(key) => self.lookup(link, &shape, &key).await?,
                Err(_) => None,
            };
            if let Some(entity) = &entity {
                found.push(entity.clone());
            }
            all.push((link.name.clone(), entity));
        }
        Ok(all)
    }

    /// Deletes (or archives) every entity it finds, newest first; returns what it removed.
    pub async fn clean(&self) -> Result<Vec<Found>, SeedError> {
        let present: Vec<Found> = self
            .find()
            .await?
            .into_iter()
            .filter_map(|(_, f)| f)
            .collect();
        let mut removed = Vec::new();
        let phase = self.progress.start(present.len(), "clean");
        for entity in present.iter().rev() {
            let Some(link) = self.chain.link(&entity.name) else {
                continue;
            };
            phase.advance(link);
            let shape = self.shape(link)?;
            // Its etag may have changed since it was found (a child was removed).
            let key = self.resolve(link, &link.key, &present).await?;
            let Some(current) = self.lookup(link, &shape, &key).await? else {
                continue;
            };
            let etag = current.etag.clone().unwrap_or_default();
            let (query, variables) = match (&shape.delete, &shape.archive) {
                (Some(delete), _) => {
                    let vars = json!({"etag": etag, "id": current.id});
                    let m = super::graph::mutation(self.schema, delete, &link.type_name);
                    let Some(m) = m else { continue };
                    (
                        call(&m, &as_map(vars), "id"),
                        as_map(json!({"etag": etag, "id": current.id})),
                    )
                }
                (None, Some(archive)) => {
                    let input =
                        json!({"input": {"id": current.id, "etag": etag, "archived": true}});
                    (
                        call(archive, &as_map(input.clone()), "id archived"),
                        as_map(input),
                    )
                }
                (None, None) => {
                    return Err(self.error(
                        link,
                        format!(
                            "the schema has neither delete{0} nor archive{0}: clean it by hand",
                            link.type_name
                        ),
                    ));
                }
            };
            self.send(link, &query, &variables, false).await?;
            removed.push(current);
        }
        Ok(removed)
    }

    /// Each chain type's count of rows (archived ones left out where the type has them).
    pub async fn counts(&self) -> Result<BTreeMap<String, u64>, SeedError> {
        let mut counts = BTreeMap::new();
        let types: BTreeSet<&str> = self
            .chain
            .links
            .iter()
            .map(|l| l.type_name.as_str())
            .collect();
        let phase = self.progress.start(types.len(), "count");
        for link in &self.chain.links {
            if counts.contains_key(&link.type_name) {
                continue;
            }
            phase.advance(&link.type_name);
            let shape = self.shape(link)?;
            let filters = if shape.filter_fields.iter().any(|f| f == "archived") {
                "(filters: {archived: {eq: false}})"
            } else {
                ""
            };
            let query = format!(
                "query IonContractCount {{ {}{filters} {{ pageInfo {{ totalCount }} }} }}",
                shape.list
            );
            let data = self.send(link, &query, &Map::new(), true).await?;
            let count = data
                .pointer(&format!("/{}/pageInfo/totalCount", shape.list))
                .and_then(Value::as_u64)
                .unwrap_or(0);
            counts.insert(link.type_name.clone(), count);
        }
        Ok(counts)
    }

    fn shape(&self, link: &Link) -> Result<Shape, SeedError> {
        shape(self.schema, &link.type_name).map_err(|why| self.error(link, why))
    }

    /// The entity whose fields equal `key`, if there is one.
    async fn lookup(
        &self,
        link: &Link,
        shape: &Shape,
        key: &Map<String, Value>,
    ) -> Result<Option<Found>, SeedError> {
        let mut filters: Map<String, Value> = key
            .iter()
            .map(|(field, value)| (field.clone(), json!({ "eq": value })))
            .collect();
        // An archived row (a cleaned run) is gone as far as the chain is concerned.
        if shape.filter_fields.iter().any(|f| f == "archived") {
            filters.insert("archived".into(), json!({ "eq": false }));
        }
        let mut selection: Vec<&str> = shape.scalars.iter().map(String::as_str).collect();
        for must in ["id", "_etag"] {
            if !selection.contains(&must) {
                selection.push(must);
            }
        }
        let query = format!(
            "query IonContractLookup($filters: {}) {{ {}(filters: $filters, first: 2) {{ edges {{ node {{ {} }} }} }} }}",
            shape.filters,
            shape.list,
            selection.join(" ")
        );
        let variables = as_map(json!({ "filters": filters }));
        let data = self.send(link, &query, &variables, true).await?;
        let node = data
            .pointer(&format!("/{}/edges/0/node", shape.list))
            .and_then(Value::as_object);
        Ok(node.map(|node| Found {
            name: link.name.clone(),
            type_name: link.type_name.clone(),
            id: node.get("id").cloned().unwrap_or(Value::Null),
            etag: node.get("_etag").and_then(Value::as_str).map(str::to_owned),
            created: false,
            fields: node.clone(),
        }))
    }

    async fn create(
        &self,
        link: &Link,
        shape: &Shape,
        key: &Map<String, Value>,
        found: &[Found],
    ) -> Result<Found, SeedError> {
        let (mutation, arguments) = match &link.create {
            Some((name, args)) => {
                let m = super::graph::mutation(self.schema, name, &link.type_name).ok_or_else(
                    || self.error(link, format!("the schema has no mutation {name}")),
                )?;
                (m, self.resolve(link, args, found).await?)
            }
            None => {
                let m = shape.create.clone().ok_or_else(|| {
                    self.error(link, format!("the schema has no create{}", link.type_name))
                })?;
                let mut values = key.clone();
                values.extend(self.resolve(link, &link.fields, found).await?);
                let args = if m.takes_input() {
                    as_map(json!({ "input": values }))
                } else {
                    values
                };
                (m, args)
            }
        };
        let query = call(&mutation, &arguments, "id _etag");
        let data = self.send(link, &query, &arguments, false).await?;
        let entity = data
            .pointer(&format!("/{}/{}", mutation.name, mutation.payload_field))
            .and_then(Value::as_object)
            .ok_or_else(|| {
                self.error(
                    link,
                    format!("{} answered without an entity", mutation.name),
                )
            })?;
        Ok(Found {
            name: link.name.clone(),
            type_name: link.type_name.clone(),
            id: entity.get("id").cloned().unwrap_or(Value::Null),
            etag: entity
                .get("_etag")
                .and_then(Value::as_str)
                .map(str::to_owned),
            created: true,
            fields: Map::new(),
        })
    }

    /// `values` with `${prefix}`, `${name}` and `${name.etag}` filled in; an etag is read
    /// afresh, since later writes change it.
    async fn resolve(
        &self,
        link: &Link,
        values: &Map<String, Value>,
        found: &[Found],
    ) -> Result<Map<String, Value>, SeedError> {
        let mut out = Map::new();
        for (field, value) in values {
            let Value::String(text) = value else {
                out.insert(field.clone(), value.clone());
                continue;
            };
            out.insert(field.clone(), self.fill(link, text, found).await?);
        }
        Ok(out)
    }

    async fn fill(&self, link: &Link, text: &str, found: &[Found]) -> Result<Value, SeedError> {
        let mut result = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let end = rest[start..].find('}').map_or(rest.len(), |e| start + e);
            let reference = &rest[start + 2..end];
            let value = if reference == "prefix" {
                Value::String(self.chain.prefix.clone())
            } else {
                let (name, etag) = match reference.strip_suffix(".etag") {
                    Some(name) => (name, true),
                    None => (reference, false),
                };
                let entity = found.iter().find(|f| f.name == name).ok_or_else(|| {
                    self.error(
                        link,
                        format!("`${{{reference}}}` is not there: {name} is missing"),
                    )
                })?;
                if etag {
                    Value::String(self.fresh_etag(entity).await?.unwrap_or_default())
                } else {
                    entity.id.clone()
                }
            };
            if start == 0 && end + 1 == text.len() && result.is_empty() {
                return Ok(value);
            }
            result.push_str(&rest[..start]);
            match value {
                Value::String(s) => result.push_str(&s),
                other => result.push_str(&other.to_string()),
            }
            rest = &rest[(end + 1).min(rest.len())..];
        }
        result.push_str(rest);
        Ok(Value::String(result))
    }

    async fn fresh_etag(&self, entity: &Found) -> Result<Option<String>, SeedError> {
        let Some(link) = self.chain.link(&entity.name) else {
            return Ok(entity.etag.clone());
        };
        let shape = self.shape(link)?;
        let query = format!(
            "query IonContractEtag($filters: {}) {{ {}(filters: $filters, first: 1) {{ edges {{ node {{ _etag }} }} }} }}",
            shape.filters, shape.list
        );
        let variables = as_map(json!({ "filters": { "id": { "eq": entity.id } } }));
        let data = self.send(link, &query, &variables, true).await?;
        Ok(data
            .pointer(&format!("/{}/edges/0/node/_etag", shape.list))
            .and_then(Value::as_str)
            .map(str::to_owned))
    }

    /// Sends one operation; its `data`, or the error naming the entity.
    async fn send(
        &self,
        link: &Link,
        query: &str,
        variables: &Map<String, Value>,
        idempotent: bool,
    ) -> Result<Value, SeedError> {
        let data = self.client.data(query, variables, idempotent).await;
        data.map_err(|e| self.error(link, e))
    }

    fn error(&self, link: &Link, problem: String) -> SeedError {
        SeedError {
            entity: link.name.clone(),
            type_name: link.type_name.clone(),
            problem,
        }
    }
}

/// A mutation call with a variable per argument given, selecting `selection` of its entity.
fn call(mutation: &Mutation, arguments: &Map<String, Value>, selection: &str) -> String {
    let used: Vec<&(String, String)> = mutation
        .args
        .iter()
        .filter(|(name, _)| arguments.contains_key(name))
        .collect();
    let declared: Vec<String> = used.iter().map(|(n, t)| format!("${n}: {t}")).collect();
    let passed: Vec<String> = used.iter().map(|(n, _)| format!("{n}: ${n}")).collect();
    let declaration = if declared.is_empty() {
        String::new()
    } else {
        format!("({})", declared.join(", "))
    };
    let passing = if passed.is_empty() {
        String::new()
    } else {
        format!("({})", passed.join(", "))
    };
    let entity = if selection == "id" && mutation.name.starts_with("delete") {
        // A delete's payload is `{id}` itself.
        "id".to_owned()
    } else {
        format!("{} {{ {selection} }}", mutation.payload_field)
    };
    format!(
        "mutation IonContractSeed{declaration} {{ {}{passing} {{ {entity} }} }}",
        mutation.name
    )
}

fn as_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
