//! Reads the double's seed file (its format is in the crate docs) into a [`Store`],
//! checking every table, row, column and reference against the schema and reporting every
//! problem at its `file:line:col`, all at once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use apollo_compiler::Schema;
use apollo_compiler::schema::ExtendedType;
use serde_json::Value;

use super::model::{as_id, field_definition};
use super::store::{GENERATED_COLUMNS, Row, Store};
use crate::diagnostic::Diagnostic;
use crate::yaml::node_problems::NodeProblems;
use crate::yaml::source::SourceFile;
use crate::yaml::suggest;
use crate::yaml::{Entry, Node, NodeValue};

/// Reads a seed file's text into a store, or every problem found in it.
pub(crate) fn load(path: &Path, text: &str, schema: &Schema) -> Result<Store, Vec<Diagnostic>> {
    let src = SourceFile::new(path, text);
    let root: Node = serde_saphyr::from_str(text).map_err(|e| {
        let inner = e.without_snippet();
        let at = inner.location();
        let (line, col) = at.map_or((1, 1), |l| (l.line() as u32, l.column() as u32));
        vec![
            Diagnostic::new(path, line, col, format!("invalid YAML: {inner}"))
                .with_help("fix the YAML syntax here (check indentation, quotes and brackets)"),
        ]
    })?;
    let mut seed = Seed {
        src: &src,
        schema,
        problems: Vec::new(),
        tables: Vec::new(),
    };
    let store = seed.read(&root);
    if seed.problems.is_empty() {
        Ok(store)
    } else {
        Err(seed.problems)
    }
}

struct Seed<'a> {
    src: &'a SourceFile,
    schema: &'a Schema,
    problems: Vec<Diagnostic>,
    /// Every row read, with where it is, for the foreign-key pass.
    tables: Vec<(String, &'a Node)>,
}

impl<'a> Seed<'a> {
    fn read(&mut self, root: &'a Node) -> Store {
        let Some(entries) = self.mapping(root, "the seed file") else {
            return Store::default();
        };
        let mut me = None;
        let mut defaults = BTreeMap::new();
        for entry in entries {
            match entry.key.as_str() {
                "me" => match as_id(&entry.value.to_json()) {
                    Some(id) => me = Some((id, &entry.value)),
                    None => self.problem(
                        &entry.value,
                        "`me` must be the id of a User",
                        "write `me: 1`",
                    ),
                },
                "defaults" => defaults = self.defaults(&entry.value),
                _ => self.table(entry),
            }
        }
        let mut rows: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
        for (type_name, row) in &self.tables {
            if let Some(id) = as_id(&row.to_json()["id"]) {
                rows.entry(type_name.clone()).or_default().insert(id);
            }
        }
        let me_id = match me {
            Some((id, node)) => {
                if !rows.get("User").is_some_and(|ids| ids.contains(&id)) {
                    self.problem(
                        node,
                        format!("`me` is {id}, but there is no User with id {id}"),
                        "add that User, or point `me` at one",
                    );
                }
                id
            }
            None => rows
                .get("User")
                .and_then(|ids| ids.first().copied())
                .unwrap_or(1),
        };
        let mut store = Store::new(me_id, defaults);
        for entry in entries {
            if self.is_entity(&entry.key) {
                store.add_table(&entry.key);
            }
        }
        let tables = std::mem::take(&mut self.tables);
        for (type_name, node) in &tables {
            self.check_references(type_name, node, &rows);
            if let Value::Object(row) = node.to_json() {
                store.seed(type_name, row);
            }
        }
        store
    }

    fn defaults(&mut self, node: &'a Node) -> BTreeMap<String, Row> {
        let mut defaults = BTreeMap::new();
        for entry in self.mapping(node, "`defaults`").unwrap_or_default() {
            if !self.known_type(entry) {
                continue;
            }
            let Some(columns) = self.mapping(&entry.value, "a defaults entry") else {
                continue;
            };
            for column in columns {
                self.known_field(&entry.key, column);
            }
            if let Value::Object(row) = entry.value.to_json() {
                defaults.insert(entry.key.clone(), row);
            }
        }
        defaults
    }

    fn table(&mut self, entry: &'a Entry) {
        if !self.known_type(entry) {
            return;
        }
        let NodeValue::Seq(rows) = &entry.value.value else {
            let what = entry.value.kind();
            self.problem(
                &entry.value,
                format!("table {} must be a list of rows, found {what}", entry.key),
                "write `[]` for an empty table, or `- {id: 1, ...}` rows",
            );
            return;
        };
        let mut ids = BTreeSet::new();
        for row in rows {
            let Some(columns) = self.mapping(row, "a row") else {
                continue;
            };
            for column in columns {
                self.known_field(&entry.key, column);
            }
            match columns.iter().find(|c| c.key == "id") {
                None => self.problem(
                    row,
                    format!("this {} row has no `id`", entry.key),
                    "give every row a positive integer `id`, unique in its table",
                ),
                Some(id) => match id.value.to_json().as_i64() {
                    Some(n) if n > 0 && ids.insert(n) => {}
                    Some(n) if n > 0 => self.problem(
                        &id.value,
                        format!("{} id {n} is used twice", entry.key),
                        "give every row of a table its own id",
                    ),
                    _ => self.problem(
                        &id.value,
                        "`id` must be a positive integer",
                        "write e.g. `id: 1`",
                    ),
                },
            }
            self.tables.push((entry.key.clone(), row));
        }
    }

    /// A seed key must name an object type of the schema.
    fn known_type(&mut self, entry: &Entry) -> bool {
        if self.is_entity(&entry.key) {
            return true;
        }
        let types = self
            .schema
            .types
            .iter()
            .filter(|(_, t)| t.is_object())
            .map(|(n, _)| n.as_str());
        let hint = suggest::suffix(&entry.key, types);
        let diag = self
            .src
            .diag(
                entry.key_at,
                format!(
                    "`{}` is not an object type with an `id` in the double's schema{hint}",
                    entry.key
                ),
            )
            .with_help("seed keys are `me`, `defaults`, and entity type names such as `Part`");
        self.problems.push(diag);
        false
    }

    fn is_entity(&self, name: &str) -> bool {
        matches!(self.schema.types.get(name), Some(ExtendedType::Object(o)) if o.fields.contains_key("id"))
    }

    fn known_field(&mut self, type_name: &str, column: &Entry) {
        let key = column.key.as_str();
        if GENERATED_COLUMNS.contains(&key) {
            let diag = self
                .src
                .diag(column.key_at, format!("`{key}` is filled in by the double"));
            self.problems
                .push(diag.with_help("remove it from the seed row"));
            return;
        }
        if field_definition(self.schema, type_name, key).is_some() {
            return;
        }
        let fields: Vec<&str> = match self.schema.types.get(type_name) {
            Some(ExtendedType::Object(o)) => o.fields.keys().map(|n| n.as_str()).collect(),
            _ => Vec::new(),
        };
        let hint = suggest::suffix(key, fields.iter().copied());
        let diag = self
            .src
            .diag(column.key_at, format!("{type_name} has no field `{key}`{hint}"))
            .with_help("a row's keys are fields of its type in the double's schema (suites/schema/ion.graphql)");
        self.problems.push(diag);
    }

    /// `xId` columns and id lists must point at rows that exist.
    fn check_references(
        &mut self,
        type_name: &str,
        row: &Node,
        rows: &BTreeMap<String, BTreeSet<i64>>,
    ) {
        let NodeValue::Map(columns) = &row.value else {
            return;
        };
        for column in columns {
            let (relation, ids) = match column.key.strip_suffix("Id") {
                Some(stem) if field_definition(self.schema, type_name, stem).is_some() => {
                    (stem, vec![column.value.to_json()])
                }
                _ => match column.value.to_json() {
                    Value::Array(ids) => (column.key.as_str(), ids),
                    _ => continue,
                },
            };
            let Some(field) = field_definition(self.schema, type_name, relation) else {
                continue;
            };
            let target = field.ty.inner_named_type().as_str();
            if !self.is_entity(target) {
                continue;
            }
            for id in ids.iter().filter(|id| !id.is_null()) {
                let exists =
                    as_id(id).is_some_and(|id| rows.get(target).is_some_and(|t| t.contains(&id)));
                if !exists {
                    let message = format!(
                        "{type_name}.{} points at {target} {id}, which is not in the seed",
                        column.key
                    );
                    self.problem(
                        &column.value,
                        message,
                        format!("add a row with id {id} to the {target} table, or fix the id"),
                    );
                }
            }
        }
    }
}

impl NodeProblems for Seed<'_> {
    fn source(&self) -> &SourceFile {
        self.src
    }

    fn problems(&mut self) -> &mut Vec<Diagnostic> {
        &mut self.problems
    }
}
