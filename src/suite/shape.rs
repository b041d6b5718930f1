//! The structural check: every key and value type of a suite file, all at once.
//!
//! serde stops at the first unknown key or wrong type. Before the typed pass, the loader reads
//! the file into a generic [`Node`] tree and walks it with the table in [`super::format_keys`],
//! reporting *every* unknown key (with a did-you-mean, the list of valid keys, and a hint when
//! the key belongs one level up or down, which usually means a wrong indentation), every
//! duplicate key, every missing required key and every value of the wrong type (with the
//! expected form and an example). Only when this walk finds nothing does the typed pass run,
//! so users see all structural problems of a file in one go.

use crate::diagnostic::Diagnostic;
use crate::suite::format::{Node, NodeValue};
use crate::suite::format_keys::{Ctx, Key, Kind, expected};
use crate::yaml::source::{Pos, SourceFile};
use crate::yaml::suggest;

/// Walks the whole tree from the top-level mapping and returns every structural problem.
pub(crate) fn check(root: &Node, src: &SourceFile) -> Vec<Diagnostic> {
    let mut walker = Walker {
        src,
        diags: Vec::new(),
    };
    match &root.value {
        NodeValue::Null => walker.diags.push(
            src.diag(Pos::new(1, 1, 1), "the suite file is empty")
                .with_help(example_help(
                    "a suite needs a `name:` and a list of `cases:`, e.g.",
                    "name: Parts\ncases:\n  - name: me\n    steps:\n      - query: \"query { me { id } }\"",
                )),
        ),
        NodeValue::Map(_) => walker.mapping(root, Ctx::Suite),
        _ => walker.diags.push(
            src.diag(root.at, format!("a suite file must be a mapping of keys, found {}", root.kind()))
                .with_label("expected `name:`, `cases:`, ...")
                .with_help("start the file with `name: <suite name>` and a `cases:` list"),
        ),
    }
    walker.diags
}

struct Walker<'a> {
    src: &'a SourceFile,
    diags: Vec<Diagnostic>,
}

impl Walker<'_> {
    fn mapping(&mut self, node: &Node, ctx: Ctx) {
        let NodeValue::Map(entries) = &node.value else {
            return;
        };
        let keys = ctx.keys();
        self.duplicates(
            entries.iter().map(|e| (e.key.as_str(), e.key_at)),
            "key",
            ctx.describe(),
        );
        for entry in entries {
            match keys.iter().find(|k| k.name == entry.key) {
                Some(spec) => self.value(spec, &entry.value, ctx),
                None => self.unknown_key(&entry.key, entry.key_at, ctx),
            }
        }
        for spec in keys.iter().filter(|k| k.required) {
            if !entries.iter().any(|e| e.key == spec.name) {
                let label = format!("this {} has no `{}`", ctx.noun(), spec.name);
                self.diags.push(
                    self.src
                        .diag(
                            node.at.with_len(1),
                            format!("missing key '{}' {}", spec.name, ctx.describe()),
                        )
                        .with_label(label)
                        .with_help(example_help("add it, e.g.", spec.example)),
                );
            }
        }
    }

    fn duplicates<'k>(
        &mut self,
        keys: impl Iterator<Item = (&'k str, Pos)>,
        noun: &str,
        place: &str,
    ) {
        let mut seen: Vec<(&str, Pos)> = Vec::new();
        for (key, at) in keys {
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                self.diags.push(
                    self.src
                        .diag(at, format!("duplicate {noun} '{key}' {place}"))
                        .with_label("given again here")
                        .with_help(format!(
                            "a {noun} may appear only once here; the first '{key}' is at line {}: remove or rename one of them",
                            first.line
                        )),
                );
            } else {
                seen.push((key, at));
            }
        }
    }

    fn unknown_key(&mut self, written: &str, at: Pos, ctx: Ctx) {
        let names = ctx.key_names();
        let mut message = format!("unknown key '{written}' {}", ctx.describe());
        message.push_str(&suggest::suffix(written, names.iter().copied()));
        let mut d = self
            .src
            .diag(at, message)
            .with_label("unknown key")
            .with_help(format!(
                "valid keys {}: {}",
                ctx.describe(),
                names.join(", ")
            ));
        if let Some(home) = Ctx::ALL
            .iter()
            .find(|other| **other != ctx && other.keys().iter().any(|k| k.name == written))
        {
            d = d.with_note(format!(
                "`{written}` is a valid key {}: is this line at the wrong indentation, or is a parent key missing?",
                home.home()
            ));
        }
        self.diags.push(d);
    }

    fn wrong_type(&mut self, spec: &Key, node: &Node, what: &str) {
        self.diags.push(
            self.src
                .diag(
                    node.at,
                    format!("`{}` must be {}, found {}", spec.name, what, node.kind()),
                )
                .with_label(format!("expected {what}"))
                .with_help(example_help("for example:", spec.example)),
        );
    }

    fn value(&mut self, spec: &Key, node: &Node, ctx: Ctx) {
        let ok = match (&spec.kind, &node.value) {
            (Kind::Any, _) => true,
            (_, NodeValue::Null) => {
                self.diags.push(
                    self.src
                        .diag(
                            node.at,
                            format!("`{}` has no value {}", spec.name, ctx.describe()),
                        )
                        .with_label(format!("expected {}", expected(spec.kind)))
                        .with_help(example_help(
                            "give it a value or remove the key; for example:",
                            spec.example,
                        )),
                );
                return;
            }
            (Kind::Str | Kind::Scalar, _) => node.is_scalar(),
            (Kind::Bool, v) => matches!(v, NodeValue::Bool(_)),
            (Kind::Snapshot, v) => matches!(v, NodeValue::Bool(_) | NodeValue::String(_)),
            (Kind::StrList, NodeValue::Seq(items)) => {
                for item in items.iter().filter(|i| !i.is_scalar()) {
                    self.wrong_type(spec, item, "a list of strings; this item must be a string");
                }
                true
            }
            (Kind::StrMap, NodeValue::Map(entries)) => {
                let (noun, place) = entry_noun(spec.name);
                self.duplicates(
                    entries.iter().map(|e| (e.key.as_str(), e.key_at)),
                    noun,
                    place,
                );
                for entry in entries.iter().filter(|e| !e.value.is_scalar()) {
                    self.wrong_type(
                        spec,
                        &entry.value,
                        "a mapping of strings; this value must be a string",
                    );
                }
                true
            }
            (Kind::AnyMap, NodeValue::Map(entries)) => {
                let (noun, place) = entry_noun(spec.name);
                self.duplicates(
                    entries.iter().map(|e| (e.key.as_str(), e.key_at)),
                    noun,
                    place,
                );
                true
            }
            (Kind::AnyList, v) => matches!(v, NodeValue::Seq(_)),
            (Kind::Struct(inner), NodeValue::Map(_)) => {
                self.mapping(node, *inner);
                true
            }
            (Kind::StructList(inner), NodeValue::Seq(items)) => {
                for item in items {
                    if matches!(item.value, NodeValue::Map(_)) {
                        self.mapping(item, *inner);
                    } else {
                        self.wrong_type(
                            spec,
                            item,
                            "a list of mappings; this item must be a mapping",
                        );
                    }
                }
                true
            }
            (Kind::Errors, NodeValue::String(_)) => true,
            (Kind::Errors, NodeValue::Seq(items)) => {
                for item in items {
                    if matches!(item.value, NodeValue::Map(_)) {
                        self.mapping(item, Ctx::ErrorMatcher);
                    } else {
                        self.wrong_type(spec, item, "a list of error matchers; this item must be a mapping like `- code: ...`");
                    }
                }
                true
            }
            _ => false,
        };
        if !ok {
            self.wrong_type(spec, node, expected(spec.kind));
        }
    }
}

/// What the keys of a user-keyed mapping are, for duplicate messages.
fn entry_noun(key: &str) -> (&'static str, &'static str) {
    match key {
        "capture" => ("capture name", "in this step's `capture`"),
        "variables" => ("variable", "in this step's `variables`"),
        "redact" => ("redaction selector", "in `redact`"),
        _ => ("key", "in this mapping"),
    }
}

/// A help line ending in an example: inline in backticks when it is one line, else on the
/// following lines (annotate-snippets aligns them under the help text).
fn example_help(prefix: &str, example: &str) -> String {
    if example.contains('\n') {
        let lines: Vec<String> = example.lines().map(|l| format!("  {l}")).collect();
        format!("{prefix}\n{}", lines.join("\n"))
    } else {
        format!("{prefix} `{example}`")
    }
}
