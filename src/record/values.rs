//! The variables a step sends, as the suite writes them: chained values as `${capture}`,
//! free text as per-run templates (unless `--record-values`), and secrets never.
//!
//! Each leaf is typed by the operation's variable definitions and the schema's input types.
//! A string of the scalar `String` (a name, an email, a description, a part number) becomes
//! `<key>-<n>-<case>-${run.short}`: the variable's (or input field's) name; `n`, counting the
//! different values sent under that name in the session (one value sent twice stays one);
//! four hex digits that tell the case apart ([`stamp`]), so that two cases writing in one run
//! do not collide; and the run's short id, so every run writes fresh values. Nothing of the
//! value itself is kept: a client that makes a fresh part number on every run
//! (`PN-<timestamp>`) records the same case every time. A string
//! under a secret-like key ([`crate::redact::is_secret_key`]) or shaped like a token is
//! replaced even with `--record-values`, by `<key>-${run.short}` (no hash of a secret is
//! written). What the session wrote is remembered ([`Written`])
//! so that a response reading it back is asserted with the same template.

use apollo_compiler::executable::Operation;
use apollo_compiler::validation::Valid;
use apollo_compiler::{Name, Schema};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::chain::Chain;
use crate::redact::{is_secret_key, looks_like_token};

/// The strings a session wrote, each with what the suite writes for it.
#[derive(Debug, Default)]
pub(crate) struct Written {
    entries: Vec<(String, String)>,
    /// How many free-text values were replaced under each key.
    keys: Vec<(String, usize)>,
}

impl Written {
    /// What the suite writes for a string the session wrote, if it wrote it.
    pub(crate) fn template_of(&self, sent: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(original, _)| original == sent)
            .map(|(_, template)| template.as_str())
    }

    /// The number of the next value replaced under `key`: 1, 2, ...
    fn next_of(&mut self, key: &str) -> usize {
        match self.keys.iter_mut().find(|(k, _)| k == key) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                self.keys.push((key.to_owned(), 1));
                1
            }
        }
    }

    fn note(&mut self, sent: &str, template: &str) {
        if self.template_of(sent).is_none() {
            self.entries.push((sent.to_owned(), template.to_owned()));
        }
    }
}

/// How one step's variables are written.
pub(crate) struct Templating<'a> {
    pub(crate) schema: &'a Valid<Schema>,
    pub(crate) keep_values: bool,
    pub(crate) chain: &'a mut Chain,
    pub(crate) written: &'a mut Written,
}

impl Templating<'_> {
    /// `variables` of `operation` as the suite writes them; those it does not declare are
    /// left out (ION ignores them, and `check` refuses them).
    pub(crate) fn variables(
        &mut self,
        operation: &Operation,
        variables: &Map<String, Value>,
    ) -> Map<String, Value> {
        variables
            .iter()
            .filter_map(|(name, value)| {
                let declared = operation
                    .variables
                    .iter()
                    .find(|v| v.name == name.as_str())?;
                let ty = declared.ty.inner_named_type().clone();
                Some((name.clone(), self.value(value, Some(&ty), name)))
            })
            .collect()
    }

    /// One value of GraphQL type `ty` (when known) under `key`.
    fn value(&mut self, value: &Value, ty: Option<&Name>, key: &str) -> Value {
        match value {
            Value::Object(map) => {
                let input = ty.and_then(|ty| self.schema.get_input_object(ty));
                Value::Object(
                    map.iter()
                        .map(|(field, inner)| {
                            let field_ty = input
                                .and_then(|input| input.fields.get(field.as_str()))
                                .map(|def| def.ty.inner_named_type().clone());
                            (field.clone(), self.value(inner, field_ty.as_ref(), field))
                        })
                        .collect(),
                )
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|item| self.value(item, ty, key)).collect())
            }
            Value::String(text) => {
                if let Some(template) = self.written.template_of(text) {
                    return Value::String(template.to_owned());
                }
                if let Some(template) = self.chain.template_for(value) {
                    return Value::String(template);
                }
                let secret = is_secret_key(key) || looks_like_token(text);
                let free_text = ty.is_some_and(|ty| ty == "String");
                if secret || (free_text && !self.keep_values) {
                    let n = (!secret).then(|| self.written.next_of(key));
                    let template = per_run(key, n);
                    self.written.note(text, &template);
                    Value::String(template)
                } else {
                    if free_text {
                        self.written.note(text, text);
                    }
                    value.clone()
                }
            }
            Value::Number(_) => self
                .chain
                .template_for(value)
                .map_or_else(|| value.clone(), Value::String),
            other => other.clone(),
        }
    }
}

/// Stands for the case's mark in a template until the case is whole ([`stamp`]).
const CASE_MARK: &str = "\u{1}case\u{1}";

/// `<key>-<n>-<case mark>-${run.short}` for the `n`th value of `key`, or
/// `<key>-${run.short}` for a secret.
fn per_run(key: &str, n: Option<usize>) -> String {
    let key: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let key = if key.is_empty() {
        "value".to_owned()
    } else {
        key
    };
    match n {
        Some(n) => format!("{key}-{n}-{CASE_MARK}-${{run.short}}"),
        None => format!("{key}-${{run.short}}"),
    }
}

/// Replaces the case mark in every string of `steps` by four hex digits of the SHA-256 of
/// the steps as they are (marks included): the same steps always get the same mark, and
/// two different cases almost never share one, so their values do not collide in a run.
pub(crate) fn stamp(steps: &mut [Value]) {
    let text = serde_json::to_string(steps).unwrap_or_default();
    if !text.contains("\\u0001case") {
        return;
    }
    let digest = Sha256::digest(text.as_bytes());
    let mark: String = digest[..2].iter().map(|b| format!("{b:02x}")).collect();
    for step in steps {
        replace_mark(step, &mark);
    }
}

fn replace_mark(value: &mut Value, mark: &str) {
    match value {
        Value::String(text) if text.contains(CASE_MARK) => *text = text.replace(CASE_MARK, mark),
        Value::Array(items) => items.iter_mut().for_each(|v| replace_mark(v, mark)),
        Value::Object(map) => map.values_mut().for_each(|v| replace_mark(v, mark)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use apollo_compiler::ExecutableDocument;
    use serde_json::json;

    fn schema() -> Valid<Schema> {
        Schema::parse_and_validate(
            "type Query { a: Int }\n\
             type Mutation { save(input: In!, etag: String!, id: ID!): Int }\n\
             input In { name: String, email: String, password: String, kind: Kind, count: Int }\n\
             enum Kind { BIG SMALL }",
            "s.graphql",
        )
        .unwrap()
    }

    fn template(keep_values: bool, chain: &mut Chain, variables: Value) -> Value {
        let schema = schema();
        let document = ExecutableDocument::parse_and_validate(
            &schema,
            "mutation Save($input: In!, $etag: String!, $id: ID!) { save(input: $input, etag: $etag, id: $id) }",
            "d.graphql",
        )
        .unwrap();
        let operation = document.operations.get(None).unwrap();
        let mut written = Written::default();
        let mut templating = Templating {
            schema: &schema,
            keep_values,
            chain,
            written: &mut written,
        };
        let Value::Object(variables) = variables else {
            unreachable!()
        };
        Value::Object(templating.variables(operation, &variables))
    }

    #[test]
    fn free_text_becomes_per_run_templates_and_the_rest_stays() {
        let mut chain = Chain::default();
        chain.observe(0, &json!({"part": {"id": "31", "_etag": "e1e1e1e1"}}));
        let sent = json!({
            "input": {"name": "Ada Lovelace", "email": "ada@example.com", "password": "hunter22",
                      "kind": "BIG", "count": 3},
            "etag": "e1e1e1e1", "id": "31", "undeclared": "x"
        });
        let out = template(false, &mut chain, sent.clone());
        let text = out.to_string();
        for private in ["Ada Lovelace", "ada@example.com", "hunter22"] {
            assert!(!text.contains(private), "{text}");
        }
        assert!(
            out["input"]["name"].as_str().unwrap().starts_with("name-"),
            "{out}"
        );
        assert!(
            out["input"]["name"]
                .as_str()
                .unwrap()
                .ends_with("-${run.short}"),
            "{out}"
        );
        assert_eq!(out["input"]["kind"], "BIG");
        assert_eq!(out["input"]["count"], 3);
        assert_eq!(out["etag"], "${etag}");
        assert_eq!(out["id"], "${id}");
        assert_eq!(out.get("undeclared"), None, "{out}");

        let kept = template(true, &mut Chain::default(), sent);
        assert_eq!(kept["input"]["name"], "Ada Lovelace");
        assert_eq!(kept["input"]["email"], "ada@example.com");
        assert_ne!(
            kept["input"]["password"], "hunter22",
            "secrets are never kept"
        );
    }

    #[test]
    fn the_case_mark_depends_on_the_steps_only() {
        let mut chain = Chain::default();
        let sent = json!({"input": {"name": "PN-1733000000"}, "etag": "e", "id": "1"});
        let step = |variables: Value| vec![json!({"name": "save", "variables": variables})];
        let mut first = step(template(false, &mut chain, sent));
        let other_value = json!({"input": {"name": "PN-1733999999"}, "etag": "e", "id": "1"});
        let mut again = step(template(false, &mut Chain::default(), other_value));
        stamp(&mut first);
        stamp(&mut again);
        assert_eq!(first, again, "a fresh value each run records the same case");
        let name = first[0]["variables"]["input"]["name"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            name.starts_with("name-1-") && !name.contains('\u{1}'),
            "{name}"
        );
        let mut other =
            vec![json!({"name": "other", "variables": {"n": per_run("name", Some(1))}})];
        stamp(&mut other);
        assert_ne!(other[0]["variables"]["n"].as_str(), Some(name.as_str()));
    }
}
