//! The structural check: every key and value type of a suite file, all at once.
//!
//! serde stops at the first unknown key or wrong type. Before the typed pass, the loader reads
//! the file into a generic [`Node`] tree and walks it with the table below, reporting *every*
//! unknown key (with a did-you-mean, the list of valid keys, and a hint when the key belongs
//! one level up or down, which usually means a wrong indentation), every duplicate key,
//! every missing required key and every value of the wrong type (with the expected form and
//! an example). Only when this walk finds nothing does the typed pass run, so users see all
//! structural problems of a file in one go.
//!
//! The table must agree with the serde structs in [`super::format`]; a unit test checks that
//! each context's keys are exactly the fields serde accepts.

use crate::diagnostic::Diagnostic;
use crate::suite::format::{Node, NodeValue};
use crate::suite::source::{Pos, SourceFile};
use crate::suite::suggest;

/// The kinds of mapping a suite file contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ctx {
    Suite,
    Case,
    Step,
    Expect,
    Assertion,
    ErrorMatcher,
}

/// What a key's value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A string (numbers and booleans are read as their text).
    Str,
    Bool,
    /// Any JSON-like value, `null` included.
    Any,
    /// Checked in detail by the validator (a number, an integer...): any scalar here.
    Scalar,
    StrList,
    /// A mapping from user keys to strings.
    StrMap,
    /// A mapping from user keys to any values.
    AnyMap,
    /// A list of any values.
    AnyList,
    Struct(Ctx),
    StructList(Ctx),
    /// `none`, `any` or a list of error matchers.
    Errors,
    /// `true`, `false` or a key.
    Snapshot,
}

struct Key {
    name: &'static str,
    required: bool,
    kind: Kind,
    example: &'static str,
}

const fn key(name: &'static str, kind: Kind, example: &'static str) -> Key {
    Key {
        name,
        required: false,
        kind,
        example,
    }
}

const fn required(name: &'static str, kind: Kind, example: &'static str) -> Key {
    Key {
        name,
        required: true,
        kind,
        example,
    }
}

const SUITE: &[Key] = &[
    required("name", Kind::Str, "name: Parts"),
    key("description", Kind::Str, "description: Reading parts"),
    key("tags", Kind::StrList, "tags: [parts, read]"),
    key("targets", Kind::StrList, "targets: [mock, sandbox]"),
    key(
        "redact",
        Kind::StrMap,
        "redact: {\".case.list.data.parts.edges[].node.cost\": \"[cost]\"}",
    ),
    required(
        "cases",
        Kind::StructList(Ctx::Case),
        "cases:\n  - name: list-parts\n    steps:\n      - query: \"query { me { id } }\"",
    ),
];

const CASE: &[Key] = &[
    required("name", Kind::Str, "name: list-paginates"),
    key(
        "description",
        Kind::Str,
        "description: Lists parts two at a time",
    ),
    required(
        "steps",
        Kind::StructList(Ctx::Step),
        "steps:\n  - name: first-page\n    query: \"query { me { id } }\"",
    ),
];

const STEP: &[Key] = &[
    key("name", Kind::Str, "name: first-page"),
    key(
        "query",
        Kind::Str,
        "query: |\n  query FirstPage {\n    parts(first: 2) { edges { node { id } } }\n  }",
    ),
    key("document", Kind::Str, "document: queries/parts.graphql"),
    key("operation", Kind::Str, "operation: FirstPage"),
    key(
        "variables",
        Kind::AnyMap,
        "variables: {first: 2, after: \"${cursor}\"}",
    ),
    key(
        "expect",
        Kind::Struct(Ctx::Expect),
        "expect: {status: 200, errors: none}",
    ),
    key(
        "capture",
        Kind::StrMap,
        "capture: {cursor: $.parts.pageInfo.endCursor}",
    ),
    key("snapshot", Kind::Snapshot, "snapshot: true"),
];

const EXPECT: &[Key] = &[
    key("status", Kind::Scalar, "status: 200"),
    key("errors", Kind::Errors, "errors: none"),
    key(
        "data",
        Kind::StructList(Ctx::Assertion),
        "data:\n  - path: $.parts.pageInfo.count\n    equals: 2",
    ),
];

const ASSERTION: &[Key] = &[
    required("path", Kind::Str, "path: $.part.partNumber"),
    key("equals", Kind::Any, "equals: PN-1"),
    key("exists", Kind::Bool, "exists: true"),
    key("absent", Kind::Bool, "absent: true"),
    key("type", Kind::Str, "type: string"),
    key("matches", Kind::Str, "matches: '^PN-[0-9]+$'"),
    key("length", Kind::Scalar, "length: 2"),
    key("min", Kind::Scalar, "min: 1"),
    key("max", Kind::Scalar, "max: 100"),
    key("contains", Kind::Any, "contains: PN-1"),
    key("one_of", Kind::AnyList, "one_of: [PART, TOOL]"),
];

const ERROR_MATCHER: &[Key] = &[
    key("message", Kind::Str, "message: \"Part not found\""),
    key("contains", Kind::Str, "contains: not found"),
    key("code", Kind::Str, "code: CONCURRENCY_CONFLICT"),
    key("path", Kind::AnyList, "path: [updatePart]"),
];

impl Ctx {
    fn keys(self) -> &'static [Key] {
        match self {
            Ctx::Suite => SUITE,
            Ctx::Case => CASE,
            Ctx::Step => STEP,
            Ctx::Expect => EXPECT,
            Ctx::Assertion => ASSERTION,
            Ctx::ErrorMatcher => ERROR_MATCHER,
        }
    }

    /// Key names, in the order users see them.
    pub(crate) fn key_names(self) -> Vec<&'static str> {
        self.keys().iter().map(|k| k.name).collect()
    }

    /// "in a step", "in the suite", ...
    fn describe(self) -> &'static str {
        match self {
            Ctx::Suite => "at the top of the suite",
            Ctx::Case => "in a case",
            Ctx::Step => "in a step",
            Ctx::Expect => "in `expect`",
            Ctx::Assertion => "in a `data` assertion",
            Ctx::ErrorMatcher => "in an `errors` matcher",
        }
    }

    /// What one mapping of this context is called.
    fn noun(self) -> &'static str {
        match self {
            Ctx::Suite => "suite",
            Ctx::Case => "case",
            Ctx::Step => "step",
            Ctx::Expect => "`expect`",
            Ctx::Assertion => "assertion",
            Ctx::ErrorMatcher => "error matcher",
        }
    }

    /// Where keys of this context are written, for "belongs in ..." hints.
    fn home(self) -> &'static str {
        match self {
            Ctx::Suite => "at the top level of the file",
            Ctx::Case => "in a case (an item of `cases:`)",
            Ctx::Step => "in a step (an item of `steps:`)",
            Ctx::Expect => "under a step's `expect:`",
            Ctx::Assertion => "in an item of `expect.data:`",
            Ctx::ErrorMatcher => "in an item of `expect.errors:`",
        }
    }

    const ALL: [Ctx; 6] = [
        Ctx::Suite,
        Ctx::Case,
        Ctx::Step,
        Ctx::Expect,
        Ctx::Assertion,
        Ctx::ErrorMatcher,
    ];
}

fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::Str => "a string",
        Kind::Bool => "`true` or `false`",
        Kind::Any => "a value",
        Kind::Scalar => "a number",
        Kind::StrList => "a list of strings",
        Kind::StrMap => "a mapping of strings",
        Kind::AnyMap => "a mapping",
        Kind::AnyList => "a list",
        Kind::Struct(_) => "a mapping",
        Kind::StructList(_) => "a list",
        Kind::Errors => "`none`, `any` or a list of error matchers",
        Kind::Snapshot => "`true`, `false` or a snapshot key",
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::format::{
        AssertionSpec, CaseSpec, ErrorMatcherSpec, ExpectSpec, StepSpec, SuiteFile,
    };

    /// The field list serde's `deny_unknown_fields` reports for `T`.
    fn serde_fields<T: for<'de> serde::Deserialize<'de> + std::fmt::Debug>() -> Vec<&'static str> {
        match serde_saphyr::from_str::<T>("zz_not_a_key: 1\n") {
            Err(e) => match e.without_snippet() {
                serde_saphyr::Error::SerdeUnknownField { expected, .. } => expected.clone(),
                other => panic!("unexpected error {other:?}"),
            },
            Ok(v) => panic!("accepted an unknown key: {v:?}"),
        }
    }

    #[test]
    fn table_matches_the_serde_structs() {
        assert_eq!(Ctx::Suite.key_names(), serde_fields::<SuiteFile>());
        assert_eq!(Ctx::Case.key_names(), serde_fields::<CaseSpec>());
        assert_eq!(Ctx::Step.key_names(), serde_fields::<StepSpec>());
        assert_eq!(Ctx::Expect.key_names(), serde_fields::<ExpectSpec>());
        assert_eq!(Ctx::Assertion.key_names(), serde_fields::<AssertionSpec>());
        assert_eq!(
            Ctx::ErrorMatcher.key_names(),
            serde_fields::<ErrorMatcherSpec>()
        );
    }
}
