//! `data pull`: a live tenant's rows, for the types the suites use, as a seed file the
//! double loads (the `snapshot` data shape, [`crate::double::DataShape`]).
//!
//! - **Which types**: the entity types the suites' operations select (what `schema diff`
//!   computes: [`crate::drift::usage::Uses::outputs`]), or `--types`; plus `User` (the
//!   API key's own user is the seed's `me`), plus every type their `*Id` foreign keys point
//!   at, transitively, so the file loads.
//! - **How**: each type through a Query field returning a connection of it (the first by
//!   name), page by page ([`PAGE_SIZE`]), at most `--max-rows` rows per type
//!   ([`DEFAULT_MAX_ROWS`]). A type no connection lists (`Organization`) is read through
//!   its by-id lookup (`organization(id:)`), one request per row the others point at (at
//!   most `--max-rows`). A type with neither, or whose reads the target refuses, is left
//!   out with a warning.
//! - **What**: every field that is a scalar or an enum (lists of them too) and needs no
//!   argument: the columns and the `*Id` foreign keys. Never the fields the double fills in
//!   (`_etag`, `_created`, `_updated`, `entityId`), never a field named as a secret
//!   (`sharedSecret`, ...: [`crate::redact::is_secret_key`]): those are not even asked for.
//! - **Sensitive values** (emails, names, free text) are replaced by deterministic fakes
//!   ([`fake`]). Ids and foreign keys are kept. A foreign key pointing at a row that was not
//!   read (beyond the cap) is left out, and counted.
//! - **The file** ([`Pulled::seed_text`]) is in the seed format (crate docs), goes through
//!   the scrubber ([`crate::scrub`]) like every output, and is checked by loading it
//!   against the same schema before it is written.
//!
//! Reaching the target is [`crate::reach`]'s: a live target's preflight first (exit 3 when
//! it fails, before any GraphQL request). Production data is sensitive: a production
//! target is refused (exit 2, nothing sent) unless `--allow-production` is given.

pub mod fake;

use std::collections::{BTreeMap, BTreeSet};

use apollo_compiler::Schema;
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use serde_json::{Map, Value};

use crate::client::GraphqlClient;
use crate::client::pages::{ListRead, read_list};
use crate::double::families::{Families, QueryFamily};
use crate::double::{GENERATED_COLUMNS, as_id};
use crate::drift::ProjectOperation;
use crate::suite::Suite;
use fake::Fake;

/// Rows asked for per page.
pub const PAGE_SIZE: usize = 100;
/// Rows read of one type at most, unless `--max-rows` says otherwise.
pub const DEFAULT_MAX_ROWS: usize = 200;

/// One type to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledType {
    /// The entity type (`Part`).
    pub type_name: String,
    /// The Query field reading it: a connection (`parts`), or for a type no connection
    /// lists, a by-id lookup (`organization(id:)`) asked for each row a foreign key names.
    pub list: String,
    /// Whether `list` is a by-id lookup.
    pub by_id: bool,
    /// The fields read of each row.
    pub columns: Vec<String>,
    /// `(column, type)` of each `*Id` foreign key (`supplierId` -> `Supplier`).
    pub references: Vec<(String, String)>,
}

/// What to read: the types, and the ones that cannot be read (no Query field reads them).
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The types to read, by name.
    pub types: Vec<PulledType>,
    /// Types asked for that no connection or by-id lookup reads.
    pub unlisted: Vec<String>,
    /// Whether `me` is asked for (the schema has it and a `User` type).
    pub me: bool,
}

/// A `--types` name that is not an entity type of the schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--types names `{name}`, which is not an entity type of the double's schema{hint}\nhelp: name object types with an `id` that a Query field lists, e.g. --types Part,Location"
)]
pub struct UnknownType {
    /// The name given.
    pub name: String,
    /// `; did you mean ...?`, when one is close.
    pub hint: String,
}

impl Plan {
    /// The plan for `wanted` (entity type names) in `schema`: them, `User`, and every type
    /// their foreign keys point at.
    pub fn new(
        schema: &Schema,
        families: &Families,
        wanted: &BTreeSet<String>,
    ) -> Result<Plan, UnknownType> {
        for name in wanted {
            if !families.is_entity(name) {
                let hint = crate::yaml::suggest::suffix(name, families.entities());
                return Err(UnknownType {
                    name: name.clone(),
                    hint,
                });
            }
        }
        let me = families.queries().any(|(_, f)| *f == QueryFamily::Me) && is_table(schema, "User");
        let mut pending: Vec<String> = wanted.iter().cloned().collect();
        if me {
            pending.push("User".to_owned());
        }
        let mut plan = Plan {
            me,
            ..Plan::default()
        };
        let mut seen = BTreeSet::new();
        while let Some(type_name) = pending.pop() {
            if !seen.insert(type_name.clone()) {
                continue;
            }
            let Some((list, by_id)) = read_field(families, &type_name) else {
                plan.unlisted.push(type_name);
                continue;
            };
            let (columns, references) = columns(schema, &type_name);
            pending.extend(references.iter().map(|(_, target)| target.clone()));
            plan.types.push(PulledType {
                type_name,
                list,
                by_id,
                columns,
                references,
            });
        }
        plan.types.sort_by(|a, b| a.type_name.cmp(&b.type_name));
        plan.unlisted.sort();
        Ok(plan)
    }

    /// Reads every planned type through `client`, at most `max_rows` rows each.
    pub async fn pull(&self, client: &GraphqlClient, max_rows: usize) -> Pulled {
        let mut pulled = Pulled::default();
        for kind in self.types.iter().filter(|t| !t.by_id) {
            let selection = kind.columns.join(" ");
            let read = ListRead {
                operation: "IonContractDataPull",
                list: &kind.list,
                selection: &selection,
                page_size: PAGE_SIZE.min(max_rows.max(1)),
                max_rows: max_rows.max(1),
            };
            match read_list(client, read).await {
                Ok(read) => {
                    if !read.complete {
                        pulled.truncated.push(kind.type_name.clone());
                    }
                    let rows: Vec<_> = read
                        .rows
                        .into_iter()
                        .filter_map(|r| pulled.faked(r))
                        .collect();
                    pulled.tables.insert(kind.type_name.clone(), rows);
                }
                Err(why) => pulled.unreadable.push((kind.type_name.clone(), why)),
            }
        }
        if self.me {
            self.pull_me(client, &mut pulled).await;
        }
        for kind in self.types.iter().filter(|t| t.by_id) {
            self.pull_by_id(client, kind, max_rows, &mut pulled).await;
        }
        pulled.drop_dangling(&self.types);
        pulled
    }

    /// The rows of `kind` (read by id) that the rows read so far point at, at most
    /// `max_rows`.
    async fn pull_by_id(
        &self,
        client: &GraphqlClient,
        kind: &PulledType,
        max_rows: usize,
        pulled: &mut Pulled,
    ) {
        let mut wanted = BTreeSet::new();
        for pointing in &self.types {
            let rows = pulled.tables.get(&pointing.type_name);
            for (column, _) in pointing
                .references
                .iter()
                .filter(|(_, t)| *t == kind.type_name)
            {
                wanted.extend(
                    rows.into_iter()
                        .flatten()
                        .filter_map(|r| r.get(column).and_then(as_id)),
                );
            }
        }
        let query = format!(
            "query IonContractDataPullOne($id: ID!) {{ {}(id: $id) {{ {} }} }}",
            kind.list,
            kind.columns.join(" ")
        );
        let mut rows = Vec::new();
        for id in wanted.into_iter().take(max_rows.max(1)) {
            let variables = Map::from_iter([("id".to_owned(), Value::from(id.to_string()))]);
            match send(client, &query, &variables, &kind.list).await {
                Ok(Value::Object(row)) => rows.extend(pulled.faked(row)),
                Ok(_) => {}
                Err(why) => {
                    pulled.unreadable.push((kind.type_name.clone(), why));
                    break;
                }
            }
        }
        pulled.tables.insert(kind.type_name.clone(), rows);
    }

    /// `me`'s id, and its row in `User` when the list did not have it.
    async fn pull_me(&self, client: &GraphqlClient, pulled: &mut Pulled) {
        let Some(user) = self.types.iter().find(|t| t.type_name == "User") else {
            return;
        };
        let query = format!(
            "query IonContractDataPullMe {{ me {{ {} }} }}",
            user.columns.join(" ")
        );
        let me = send(client, &query, &Map::new(), "me").await;
        let row = match me {
            Ok(Value::Object(row)) => row,
            Ok(_) => return,
            Err(why) => {
                pulled.unreadable.push(("me".to_owned(), why));
                return;
            }
        };
        let Some(row) = pulled.faked(row) else {
            return;
        };
        let id = row_id(&row);
        pulled.me = id;
        let users = pulled.tables.entry("User".to_owned()).or_default();
        if !users.iter().any(|u| row_id(u) == id) {
            users.push(row);
        }
    }
}

/// What was read.
#[derive(Debug, Clone, Default)]
pub struct Pulled {
    /// `me`'s User id.
    pub me: Option<i64>,
    /// Rows by type, faked, in the list's order.
    pub tables: BTreeMap<String, Vec<Map<String, Value>>>,
    /// Types whose list the target refused, with its message.
    pub unreadable: Vec<(String, String)>,
    /// Types with more rows than the cap: only the first were read.
    pub truncated: Vec<String>,
    /// Foreign keys left out: they pointed at rows that were not read.
    pub dangling: usize,
    /// Values replaced by fakes.
    pub faked: usize,
}

impl Pulled {
    /// `row` with its sensitive values faked; `None` without a positive integer id.
    fn faked(&mut self, mut row: Map<String, Value>) -> Option<Map<String, Value>> {
        let id = row_id(&row).filter(|id| *id > 0)?;
        row.insert("id".into(), Value::from(id));
        for (field, value) in row.iter_mut() {
            if value.is_string()
                && let Some(fake) = Fake::for_field(field)
            {
                *value = fake.value(id);
                self.faked += 1;
            }
        }
        Some(row)
    }

    /// Leaves out foreign keys to rows that were not read, so the seed loads.
    fn drop_dangling(&mut self, types: &[PulledType]) {
        let ids: BTreeMap<String, BTreeSet<i64>> = self
            .tables
            .iter()
            .map(|(t, rows)| (t.clone(), rows.iter().filter_map(row_id).collect()))
            .collect();
        for kind in types {
            let Some(rows) = self.tables.get_mut(&kind.type_name) else {
                continue;
            };
            for row in rows {
                for (column, target) in &kind.references {
                    let Some(value) = row.get(column).filter(|v| !v.is_null()) else {
                        continue;
                    };
                    let known = as_id(value)
                        .is_some_and(|id| ids.get(target).is_some_and(|t| t.contains(&id)));
                    if !known {
                        row.remove(column);
                        self.dangling += 1;
                    }
                }
            }
        }
    }

    /// How many rows were read.
    pub fn row_count(&self) -> usize {
        self.tables.values().map(Vec::len).sum()
    }

    /// The seed file: `# header` lines, `me:`, then one table per type read (`Type: []` for
    /// an empty one), one row per line.
    pub fn seed_text(&self, header: &str) -> String {
        let mut text: String = header.lines().map(|l| format!("# {l}\n")).collect();
        if let Some(me) = self.me {
            text.push_str(&format!("\nme: {me}\n"));
        }
        for (type_name, rows) in &self.tables {
            if rows.is_empty() {
                text.push_str(&format!("\n{type_name}: []\n"));
                continue;
            }
            text.push_str(&format!("\n{type_name}:\n"));
            for row in rows {
                let columns: Vec<String> = row
                    .iter()
                    .map(|(k, v)| format!("{}: {}", Value::from(k.as_str()), v))
                    .collect();
                text.push_str(&format!("  - {{{}}}\n", columns.join(", ")));
            }
        }
        crate::scrub::text(&text)
    }
}

/// The entity types the operations of `suites` select (as `schema diff` reads them).
pub fn used_types(
    schema: &Valid<Schema>,
    families: &Families,
    suites: &[Suite],
) -> BTreeSet<String> {
    ProjectOperation::from_suites(suites)
        .iter()
        .flat_map(|operation| operation.uses(schema).outputs)
        .filter(|type_name| families.is_entity(type_name))
        .collect()
}

/// Sends one query; the value of its root field `field`, or the target's message.
async fn send(
    client: &GraphqlClient,
    query: &str,
    variables: &Map<String, Value>,
    field: &str,
) -> Result<Value, String> {
    Ok(client.data(query, variables, true).await?[field].clone())
}

/// How `type_name` is read: the first Query field (by name) returning a connection of it,
/// else its by-id lookup (`true`).
fn read_field(families: &Families, type_name: &str) -> Option<(String, bool)> {
    let connection = families.queries().find_map(|(name, family)| match family {
        QueryFamily::Connection { node } if node == type_name => Some((name.to_owned(), false)),
        _ => None,
    });
    connection.or_else(|| {
        families.queries().find_map(|(name, family)| match family {
            QueryFamily::ById { entity } if entity == type_name => Some((name.to_owned(), true)),
            _ => None,
        })
    })
}

/// Whether `type_name` is an object type with an `id`: a table of the seed.
fn is_table(schema: &Schema, type_name: &str) -> bool {
    schema
        .get_object(type_name)
        .is_some_and(|o| o.fields.contains_key("id"))
}

/// The columns read of `type_name` (scalars and enums without required arguments, no
/// filled-in or secret fields) and its foreign keys.
fn columns(schema: &Schema, type_name: &str) -> (Vec<String>, Vec<(String, String)>) {
    let Some(object) = schema.get_object(type_name) else {
        return (Vec::new(), Vec::new());
    };
    let mut columns = Vec::new();
    let mut references = Vec::new();
    for (name, field) in &object.fields {
        let leaf = matches!(
            schema.types.get(field.ty.inner_named_type()),
            Some(ExtendedType::Scalar(_) | ExtendedType::Enum(_))
        );
        let needs_arguments = field.arguments.iter().any(|a| a.is_required());
        let name = name.as_str();
        if !leaf
            || needs_arguments
            || GENERATED_COLUMNS.contains(&name)
            || crate::redact::is_secret_key(name)
        {
            continue;
        }
        columns.push(name.to_owned());
        if let Some(stem) = name.strip_suffix("Id")
            && let Some(relation) = object.fields.get(stem)
        {
            let target = relation.ty.inner_named_type().as_str();
            if is_table(schema, target) {
                references.push((name.to_owned(), target.to_owned()));
            }
        }
    }
    (columns, references)
}

fn row_id(row: &Map<String, Value>) -> Option<i64> {
    row.get("id").and_then(as_id)
}

#[cfg(test)]
mod tests;
