//! Reading `suites/seed/chain.yaml`: every problem at its `file:line:col`, all at once.

use std::path::Path;

use apollo_compiler::Schema;
use serde_json::{Map, Value};

use super::graph::shape;
use super::{Chain, Link};
use crate::diagnostic::Diagnostic;
use crate::suite::format::{Entry, Node, NodeValue};
use crate::yaml::node_problems::NodeProblems;
use crate::yaml::source::SourceFile;
use crate::yaml::suggest;

const TOP_KEYS: [&str; 2] = ["prefix", "chain"];
const LINK_KEYS: [&str; 5] = ["name", "type", "key", "fields", "create"];
const CREATE_KEYS: [&str; 2] = ["mutation", "args"];

/// Parses and checks the chain's text.
pub(super) fn parse(path: &Path, text: &str, schema: &Schema) -> Result<Chain, Vec<Diagnostic>> {
    let root: Node = serde_saphyr::from_str(text).map_err(|e| {
        let inner = e.without_snippet();
        let (line, col) = inner
            .location()
            .map_or((1, 1), |l| (l.line() as u32, l.column() as u32));
        vec![
            Diagnostic::new(path, line, col, format!("invalid YAML: {inner}"))
                .with_help("fix the YAML syntax here (check indentation, quotes and brackets)"),
        ]
    })?;
    let src = SourceFile::new(path, text);
    let mut reader = Reader {
        src: &src,
        schema,
        problems: Vec::new(),
    };
    let chain = reader.chain(path, &root);
    match chain {
        Some(chain) if reader.problems.is_empty() => Ok(chain),
        _ => Err(reader.problems),
    }
}

/// The `name:` of a chain item, when it has one.
fn name_of(item: &Node) -> Option<String> {
    let NodeValue::Map(entries) = &item.value else {
        return None;
    };
    entries
        .iter()
        .find(|e| e.key == "name")
        .and_then(|e| match &e.value.value {
            NodeValue::String(name) => Some(name.clone()),
            _ => None,
        })
}

struct Reader<'a> {
    src: &'a SourceFile,
    schema: &'a Schema,
    problems: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn chain(&mut self, path: &Path, root: &Node) -> Option<Chain> {
        let entries = self.mapping(root, "the seeding chain")?;
        let mut prefix = String::new();
        let mut links = Vec::new();
        let mut chain_seen = false;
        for entry in entries {
            if !self.known_key(entry, &TOP_KEYS, "at the top of the chain") {
                continue;
            }
            match entry.key.as_str() {
                "prefix" => match &entry.value.value {
                    NodeValue::String(p) if !p.trim().is_empty() => prefix = p.trim().to_owned(),
                    _ => self.problem(&entry.value, "`prefix` must be a non-empty string", "e.g. `prefix: ICT-`: every key carries it, so the chain never touches other data"),
                },
                _ => {
                    chain_seen = true;
                    let NodeValue::Seq(items) = &entry.value.value else {
                        self.problem(&entry.value, "`chain` must be a list of entities", "write `chain:` followed by `- name: ...` items");
                        continue;
                    };
                    // Names of every entity so far, valid or not, for references.
                    let mut names: Vec<String> = Vec::new();
                    for item in items {
                        if let Some(link) = self.link(item, &names) {
                            links.push(link);
                        }
                        if let Some(name) = name_of(item) {
                            names.push(name);
                        }
                    }
                }
            }
        }
        if prefix.is_empty() {
            self.problem(
                root,
                "the chain has no `prefix`",
                "add `prefix: ICT-` (ION_SEED_PREFIX or --prefix can override it)",
            );
        }
        if !chain_seen {
            self.problem(
                root,
                "the chain has no `chain:` list",
                "add `chain:` with the entities to create, in order",
            );
        }
        Some(Chain {
            file: path.to_path_buf(),
            prefix,
            links,
        })
    }

    fn link(&mut self, node: &Node, earlier: &[String]) -> Option<Link> {
        let entries = self.mapping(node, "an entity of the chain")?;
        let before = self.problems.len();
        let field = |key: &str| entries.iter().find(|e| e.key == key);
        for entry in entries {
            self.known_key(entry, &LINK_KEYS, "in an entity of the chain");
        }
        let name = match field("name").map(|f| &f.value) {
            Some(Node {
                value: NodeValue::String(name),
                at,
            }) => {
                if earlier.contains(name) || name == "prefix" {
                    let node = Node {
                        value: NodeValue::String(name.clone()),
                        at: *at,
                    };
                    self.problem(
                        &node,
                        format!("the name `{name}` is used twice"),
                        "give each entity its own name: later entities refer to it as ${name}",
                    );
                }
                name.clone()
            }
            _ => {
                self.problem(
                    node,
                    "an entity needs a `name`",
                    "e.g. `name: assembly`; later entities refer to it as ${assembly}",
                );
                String::new()
            }
        };
        let type_name = match field("type").map(|f| &f.value) {
            Some(Node {
                value: NodeValue::String(t),
                ..
            }) => t.clone(),
            _ => {
                self.problem(
                    node,
                    format!("entity `{name}` needs a `type`"),
                    "e.g. `type: Part`: an object type of the schema",
                );
                return None;
            }
        };
        let type_node = &field("type")?.value;
        let shape = match shape(self.schema, &type_name) {
            Ok(shape) => Some(shape),
            Err(why) => {
                let objects = self.schema.types.keys().map(|k| k.as_str());
                let hint = suggest::suffix(&type_name, objects);
                self.problem(type_node, format!("{why}{hint}"), "the chain creates object types that have a list query (`parts`) and a create mutation");
                None
            }
        };
        let scope: Vec<&str> = earlier.iter().map(String::as_str).collect();
        let key = self.values(field("key"), "key", &scope);
        let fields = self.values(field("fields"), "fields", &scope);
        if let (Some(shape), Some(k)) = (&shape, field("key")) {
            if key.is_empty() {
                self.problem(&k.value, format!("entity `{name}` has an empty `key`"), "give the fields it is looked up by, e.g. `key: {partNumber: \"${prefix}ASSY-1\"}`");
            }
            for entry in self.entries(&k.value) {
                if !shape.filter_fields.contains(&entry.key) {
                    let hint =
                        suggest::suffix(&entry.key, shape.filter_fields.iter().map(String::as_str));
                    let message = format!(
                        "`{}` cannot look up a {type_name}: it is not a field of {}{hint}",
                        entry.key, shape.filters
                    );
                    let diag = self
                        .src
                        .diag(entry.key_at, message)
                        .with_help(format!("key by fields {} can filter on", shape.filters));
                    self.problems.push(diag);
                }
            }
        } else if field("key").is_none() {
            self.problem(
                node,
                format!("entity `{name}` has no `key`"),
                "give the fields it is looked up by, so seeding creates it only when it is missing",
            );
        }
        let create = field("create").and_then(|c| self.create(&c.value, &type_name, &scope));
        if let Some(shape) = &shape
            && create.is_none()
            && field("create").is_none()
            && shape.create.is_none()
        {
            self.problem(
                type_node,
                format!("the schema has no create{type_name} mutation"),
                "name the mutation that creates it with `create: {mutation: ..., args: {...}}`",
            );
        }
        (self.problems.len() == before).then(|| Link {
            name,
            type_name,
            key,
            fields,
            create,
            at: (node.at.line, node.at.col),
        })
    }

    fn create(
        &mut self,
        node: &Node,
        type_name: &str,
        scope: &[&str],
    ) -> Option<(String, Map<String, Value>)> {
        let entries = self.mapping(node, "`create`")?;
        for entry in entries {
            self.known_key(entry, &CREATE_KEYS, "in `create`");
        }
        let mutation = entries.iter().find(|e| e.key == "mutation");
        let Some(Entry {
            value:
                Node {
                    value: NodeValue::String(name),
                    ..
                },
            ..
        }) = mutation
        else {
            self.problem(
                node,
                "`create` needs a `mutation`",
                "e.g. `mutation: createAbomForPartInventory`",
            );
            return None;
        };
        if super::graph::mutation(self.schema, name, type_name).is_none() {
            let node = &mutation?.value;
            self.problem(
                node,
                format!("the schema has no mutation `{name}`"),
                "name a Mutation field of the schema",
            );
            return None;
        }
        let args = self.values(entries.iter().find(|e| e.key == "args"), "args", scope);
        Some((name.clone(), args))
    }

    /// A mapping of field → value (templates checked against the names in `scope`).
    fn values(&mut self, entry: Option<&Entry>, what: &str, scope: &[&str]) -> Map<String, Value> {
        let Some(entry) = entry else {
            return Map::new();
        };
        let mut map = Map::new();
        for field in self.entries(&entry.value) {
            self.references(&field.value, scope);
            map.insert(field.key.clone(), field.value.to_json());
        }
        if !matches!(entry.value.value, NodeValue::Map(_)) {
            self.problem(
                &entry.value,
                format!("`{what}` must be a mapping of fields to values"),
                format!("e.g. `{what}: {{description: \"Bench\"}}`"),
            );
        }
        map
    }

    /// Every `${...}` in a value names the prefix or an earlier entity (optionally `.etag`).
    fn references(&mut self, node: &Node, scope: &[&str]) {
        let NodeValue::String(text) = &node.value else {
            return;
        };
        let mut rest = text.as_str();
        while let Some(start) = rest.find("${") {
            let Some(end) = rest[start..].find('}') else {
                self.problem(
                    node,
                    "a `${` is not closed",
                    "write ${name} or ${name.etag}",
                );
                return;
            };
            let reference = &rest[start + 2..start + end];
            let name = reference.strip_suffix(".etag").unwrap_or(reference);
            if name != "prefix" && !scope.contains(&name) {
                let hint = suggest::suffix(name, scope.iter().copied());
                self.problem(
                    node,
                    format!("`${{{reference}}}` names no earlier entity{hint}"),
                    "refer to the prefix, or to an entity defined above this one",
                );
            }
            rest = &rest[start + end + 1..];
        }
    }

    fn entries<'n>(&self, node: &'n Node) -> &'n [Entry] {
        match &node.value {
            NodeValue::Map(entries) => entries,
            _ => &[],
        }
    }
}

impl NodeProblems for Reader<'_> {
    fn source(&self) -> &SourceFile {
        self.src
    }

    fn problems(&mut self) -> &mut Vec<Diagnostic> {
        &mut self.problems
    }
}
