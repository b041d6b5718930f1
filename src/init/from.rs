//! Starter suites from a team's existing operations (`init --from`).
//!
//! Each source file gives one suite, `suites/from/<stem>.yaml` (`<stem>-2.yaml`, ... when two
//! sources share a stem), with one case per query; its mutations go to a second suite,
//! `suites/from/<stem>-mutations.yaml`, limited to `targets: [mock]` (the double, fresh for
//! every case) and marked `# writes:`, so nothing the starter suites do changes a live tenant
//! until someone widens `targets:` on purpose. A case's step holds the operation (with the
//! fragments it spreads) and, for each variable that is required (non-null, no default), a
//! `${fill:NAME}` placeholder that `check` refuses, located, until it is replaced.
//!
//! Every operation is validated against the schema first. An operation with an error (in
//! itself or in a fragment it spreads) is reported with the error's source `file:line:col`
//! and left out (nothing is written for it), and the document's other operations are kept;
//! so are subscriptions left out, which ion-contract cannot send. Errors outside every
//! operation (a syntax error, an unused fragment) are reported as well.

use std::collections::HashSet;
use std::fmt;

use apollo_compiler::executable::{Fragment, Operation, Selection, SelectionSet};
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Node, Schema};

use crate::init::extract::{self, SourceKind};

/// A source's operation that was left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// `file:line:col` of the problem in the source.
    pub at: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "warning: {}\n  --> {}\n  = help: {}",
            self.message, self.at, self.help
        )
    }
}

/// A suite file to write, relative to the suites directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// `from/<stem>.yaml` or `from/<stem>-mutations.yaml`.
    pub file: String,
    /// The YAML.
    pub text: String,
    /// How many `${fill:NAME}` placeholders it holds.
    pub placeholders: usize,
    /// Whether its cases are mutations (limited to `targets: [mock]`).
    pub writes: bool,
}

/// One operation, ready to become a case.
struct Case {
    name: String,
    at: String,
    text: String,
    required: Vec<(String, String)>,
    optional: Vec<String>,
}

/// Turns sources into starter suites; remembers the file names already given out.
#[derive(Default)]
pub struct Drafter {
    stems: HashSet<String>,
}

impl Drafter {
    /// The drafts for one source file (`shown` is its path as the user wrote it), and the
    /// operations left out.
    pub fn source(
        &mut self,
        kind: SourceKind,
        shown: &str,
        source: &str,
        schema: &Valid<Schema>,
    ) -> (Vec<Draft>, Vec<Skipped>) {
        let mut skipped = Vec::new();
        let (mut queries, mut mutations) = (Vec::new(), Vec::new());
        let mut names = HashSet::new();
        for candidate in extract::operation_documents(kind, source) {
            let at = |line, column| {
                let (line, column) = candidate.position_in_file(line, column);
                format!("{shown}:{line}:{column}")
            };
            let (document, errors) = match ExecutableDocument::parse_and_validate(
                schema,
                candidate.text.as_str(),
                shown,
            ) {
                Ok(document) => (document.into_inner(), Vec::new()),
                Err(invalid) => {
                    let errors: Vec<_> = invalid
                        .errors
                        .iter()
                        .map(|e| {
                            (
                                e.line_column_range()
                                    .map(|r| (r.start.line, r.start.column)),
                                e.error.to_string(),
                            )
                        })
                        .collect();
                    (invalid.partial, errors)
                }
            };
            let mut claimed = vec![false; errors.len()];
            for operation in document.operations.iter() {
                let span = |location: Option<apollo_compiler::parser::SourceSpan>| {
                    location
                        .and_then(|l| l.line_column_range(&document.sources))
                        .map(|r| ((r.start.line, r.start.column), (r.end.line, r.end.column)))
                };
                let own = span(operation.location());
                let (line, column) = own.map_or((1, 1), |(start, _)| start);
                // An error counts against the operation when it lies in the operation or in a
                // fragment it spreads, or has no place at all.
                let mut fragments = Vec::new();
                spread_fragments(&document, &operation.selection_set, &mut fragments);
                let spans: Vec<_> = std::iter::once(own)
                    .chain(fragments.iter().map(|f| span(f.location())))
                    .flatten()
                    .collect();
                let its_errors: Vec<_> = errors
                    .iter()
                    .zip(claimed.iter_mut())
                    .filter(|((place, _), _)| match place {
                        Some(p) => spans.iter().any(|(start, end)| start <= p && p <= end),
                        None => true,
                    })
                    .map(|(error, claimed)| {
                        *claimed = true;
                        error
                    })
                    .collect();
                if !its_errors.is_empty() {
                    let name = operation
                        .name
                        .as_ref()
                        .map_or("an anonymous operation".to_owned(), |n| {
                            format!("operation {n}")
                        });
                    skipped.extend(its_errors.into_iter().map(|(place, message)| {
                        let (line, column) = place.unwrap_or((line, column));
                        Skipped {
                            at: at(line, column),
                            message: format!("{name} left out, not valid against the schema: {message}"),
                            help: "fix the operation and run `init --from` again, or write its case by hand (`ion-contract check` locates what is wrong)".to_owned(),
                        }
                    }));
                    continue;
                }
                if operation.operation_type.is_subscription() {
                    skipped.push(Skipped {
                        at: at(line, column),
                        message: "left out: subscriptions are not supported".to_owned(),
                        help: "ion-contract sends each step as one HTTP request; test the query that reads the same data".to_owned(),
                    });
                    continue;
                }
                let case = case(&document, operation, at(line, column), &mut names);
                if operation.operation_type.is_mutation() {
                    mutations.push(case);
                } else {
                    queries.push(case);
                }
            }
            // Errors outside every operation (a syntax error between definitions, an unused
            // fragment) are reported too.
            for ((place, message), _) in errors.iter().zip(&claimed).filter(|(_, c)| !**c) {
                let (line, column) = place.unwrap_or((1, 1));
                skipped.push(Skipped {
                    at: at(line, column),
                    message: format!("not valid GraphQL against the schema: {message}"),
                    help: "fix it and run `init --from` again; the operations it does not touch were kept".to_owned(),
                });
            }
        }
        let stem = self.stem(shown);
        let mut drafts = Vec::new();
        if !queries.is_empty() {
            drafts.push(draft(format!("from/{stem}.yaml"), shown, &queries, false));
        }
        if !mutations.is_empty() {
            drafts.push(draft(
                format!("from/{stem}-mutations.yaml"),
                shown,
                &mutations,
                true,
            ));
        }
        (drafts, skipped)
    }

    /// A file stem for `shown` not given out yet: its own, else with `-2`, `-3`, ...
    fn stem(&mut self, shown: &str) -> String {
        let own = std::path::Path::new(shown)
            .file_stem()
            .map(|s| file_name(&s.to_string_lossy()))
            .unwrap_or_else(|| "source".to_owned());
        let mut stem = own.clone();
        let mut n = 1;
        while !self.stems.insert(stem.clone()) {
            n += 1;
            stem = format!("{own}-{n}");
        }
        stem
    }
}

/// `[A-Za-z0-9][A-Za-z0-9_.-]*`, as suite and case names must be.
fn file_name(raw: &str) -> String {
    let name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    match name.trim_start_matches(['_', '.', '-']) {
        "" => "source".to_owned(),
        trimmed => trimmed.to_owned(),
    }
}

/// `PartById` -> `part-by-id`.
pub(crate) fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 && !out.ends_with('-') {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    file_name(&out.replace('_', "-"))
}

fn case(
    document: &ExecutableDocument,
    operation: &Node<Operation>,
    at: String,
    names: &mut HashSet<String>,
) -> Case {
    let own = operation
        .name
        .as_ref()
        .map_or_else(|| "operation".to_owned(), |n| kebab(n));
    let mut name = own.clone();
    let mut n = 1;
    while !names.insert(name.clone()) {
        n += 1;
        name = format!("{own}-{n}");
    }
    let mut text = operation.to_string();
    let mut fragments = Vec::new();
    spread_fragments(document, &operation.selection_set, &mut fragments);
    for fragment in fragments {
        text.push('\n');
        text.push_str(&fragment.to_string());
    }
    let (mut required, mut optional) = (Vec::new(), Vec::new());
    for variable in &operation.variables {
        if variable.ty.is_non_null() && variable.default_value.is_none() {
            required.push((variable.name.to_string(), variable.ty.to_string()));
        } else {
            optional.push(format!("${}: {}", variable.name, variable.ty));
        }
    }
    Case {
        name,
        at,
        text,
        required,
        optional,
    }
}

/// The fragments a selection set spreads, transitively, each once.
fn spread_fragments<'d>(
    document: &'d ExecutableDocument,
    set: &SelectionSet,
    found: &mut Vec<&'d Node<Fragment>>,
) {
    for selection in &set.selections {
        match selection {
            Selection::Field(field) => spread_fragments(document, &field.selection_set, found),
            Selection::InlineFragment(inline) => {
                spread_fragments(document, &inline.selection_set, found);
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.fragment_name)
                    && !found.iter().any(|f| f.name == fragment.name)
                {
                    found.push(fragment);
                    spread_fragments(document, &fragment.selection_set, found);
                }
            }
        }
    }
}

fn draft(file: String, shown: &str, cases: &[Case], mutations: bool) -> Draft {
    let quoted = |s: &str| serde_json::Value::from(s).to_string();
    let mut text = String::from("# yaml-language-server: $schema=../suite.schema.json\n");
    text.push_str(&format!(
        "# Written by `ion-contract init --from` from {shown}: one case per operation. Replace each\n# \"${{fill:NAME}}\" with a value (`ion-contract check` lists those left), then add `expect:`\n# checks for what your integration reads.\n"
    ));
    if mutations {
        text.push_str("# These cases WRITE: they run on the embedded double only (`targets: [mock]`), fresh\n# for every case. Widen `targets:` once they are safe to run on a sandbox.\n");
    }
    let kind = if mutations { "mutations" } else { "operations" };
    text.push_str(&format!(
        "name: {}\n",
        quoted(&format!("{kind} from {shown}"))
    ));
    if mutations {
        text.push_str("targets: [mock]\n");
    }
    text.push_str("cases:\n");
    let mut placeholders = 0;
    for case in cases {
        text.push_str(&format!("  # from {}\n", case.at));
        if mutations {
            text.push_str("  # writes: this mutation changes data on its target\n");
        }
        text.push_str(&format!(
            "  - name: {}\n    steps:\n      - query: |\n",
            case.name
        ));
        for line in case.text.trim_end().lines() {
            if line.is_empty() {
                text.push('\n');
            } else {
                text.push_str(&format!("          {line}\n"));
            }
        }
        if !case.optional.is_empty() {
            text.push_str(&format!(
                "        # optional variables, left unset: {}\n",
                case.optional.join(", ")
            ));
        }
        if !case.required.is_empty() {
            text.push_str("        variables:\n");
            for (name, ty) in &case.required {
                placeholders += 1;
                text.push_str(&format!(
                    "          {name}: \"${{fill:{name}}}\" # {ty}: replace with a value\n"
                ));
            }
        }
        text.push('\n');
    }
    Draft {
        file,
        text,
        placeholders,
        writes: mutations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_kebab_case_and_file_names_stay_in_the_rule() {
        assert_eq!(kebab("PartById"), "part-by-id");
        assert_eq!(kebab("list_parts"), "list-parts");
        assert_eq!(file_name("_my queries"), "my-queries");
        let mut drafter = Drafter::default();
        assert_eq!(drafter.stem("a/sync.py"), "sync");
        assert_eq!(drafter.stem("b/sync.graphql"), "sync-2");
    }

    #[test]
    fn an_error_outside_every_operation_is_reported_and_the_operations_kept() {
        let schema = Schema::parse_and_validate("type Query { me: Int }", "s.graphql").unwrap();
        let source = "query Me { me }\nfragment Unused on Query { me }\n";
        let (drafts, skipped) =
            Drafter::default().source(SourceKind::Graphql, "ops.graphql", source, &schema);
        assert_eq!(drafts.len(), 1);
        assert!(drafts[0].text.contains("query Me"), "{}", drafts[0].text);
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert!(skipped[0].at.starts_with("ops.graphql:2:"), "{skipped:?}");
    }
}
