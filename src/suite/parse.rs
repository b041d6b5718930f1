//! From text to [`SuiteFile`]: YAML syntax, then structure, then types.
//!
//! 1. The text is read into a generic [`Node`] tree. A YAML syntax error stops here: nothing
//!    after it can be trusted.
//! 2. [`shape::check`] walks the tree and reports every unknown, duplicate or missing key and
//!    every wrongly typed value, all at once.
//! 3. Only then is the text deserialized into the typed [`SuiteFile`]. After step 2 this
//!    should not fail; if it does, serde-saphyr's own message is reported, located.
//!
//! Both passes run under the same YAML budget: nesting at most 64 levels deep (serde-saphyr's
//! default, which keeps its recursion off the end of the stack; flow collections `[[[...` are
//! cut off by its parser sooner), aliases replaying at most [`MAX_REPLAYED_EVENTS`] events,
//! and at most [`DEFAULT_MAX_YAML_NODES`] nodes (mappings, sequences and scalars), which
//! `ION_MAX_YAML_NODES` raises. A breach is reported where it happens, naming the limit.

use serde_saphyr::{DuplicateKeyPolicy, MessageFormatter, UserMessageFormatter};

use crate::diagnostic::Diagnostic;
use crate::suite::format::{Node, SuiteFile};
use crate::suite::shape;
use crate::yaml::source::{Pos, SourceFile};

/// How many events aliases may replay in one suite file: far more than any suite needs
/// (they reuse a few variables or expectations), far fewer than serde-saphyr's default of a
/// million, which nested aliases reach in a few hundred bytes that take seconds to check.
const MAX_REPLAYED_EVENTS: usize = 20_000;

/// The variable that sets how many YAML nodes one suite file may hold.
pub const MAX_YAML_NODES_ENV: &str = "ION_MAX_YAML_NODES";

/// How many YAML nodes one suite file may hold unless `ION_MAX_YAML_NODES` says otherwise:
/// a 13 MB suite of 60,000 short cases holds about 1,300,000.
pub const DEFAULT_MAX_YAML_NODES: usize = 4_000_000;

/// The YAML budget of a suite file: see the module docs.
fn options(max_nodes: usize) -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.alias_limits.max_total_replayed_events = MAX_REPLAYED_EVENTS;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = max_nodes;
    // Every node is one event, and every collection one more at its end.
    budget.max_events = max_nodes.saturating_mul(2).saturating_add(64);
    options.budget = Some(budget);
    options
}

/// The node limit: `ION_MAX_YAML_NODES` when set, else the default.
fn max_nodes(src: &SourceFile) -> Result<usize, Vec<Diagnostic>> {
    let Ok(value) = std::env::var(MAX_YAML_NODES_ENV) else {
        return Ok(DEFAULT_MAX_YAML_NODES);
    };
    match value.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(vec![
            src.diag(
                Pos::new(1, 1, 1),
                format!("{MAX_YAML_NODES_ENV}={value:?} is not a positive number of nodes"),
            )
            .with_help(format!(
                "set {MAX_YAML_NODES_ENV} to a whole number (the default is \
                 {DEFAULT_MAX_YAML_NODES}), or unset it"
            )),
        ]),
    }
}

/// Parses a suite file's text, or returns every problem found.
///
/// A file that reads as the typed format is parsed once. Only a file that does not is read
/// again, untyped, so that the shape check can report every problem at once, located, with
/// its fix (serde stops at the first); when the shape check finds nothing, serde's error is
/// the answer.
pub(crate) fn parse(src: &SourceFile, text: &str) -> Result<SuiteFile, Vec<Diagnostic>> {
    let max_nodes = max_nodes(src)?;
    let typed_error =
        match serde_saphyr::from_str_with_options::<SuiteFile>(text, options(max_nodes)) {
            Ok(file) => return Ok(file),
            Err(error) => error,
        };
    let mut untyped = options(max_nodes);
    // Keep duplicate keys in the tree so the shape check can report them with both places.
    untyped.duplicate_keys = DuplicateKeyPolicy::PassThrough;
    let tree: Node = serde_saphyr::from_str_with_options(text, untyped)
        .map_err(|e| vec![yaml_error(src, &e, true, max_nodes)])?;
    let problems = shape::check(&tree, src);
    if !problems.is_empty() {
        return Err(problems);
    }
    Err(vec![yaml_error(src, &typed_error, false, max_nodes)])
}

/// A serde-saphyr error as a diagnostic. `syntax` is true for the first (untyped) pass, where
/// every error is a YAML syntax error; `max_nodes` is the node limit in force.
fn yaml_error(
    src: &SourceFile,
    error: &serde_saphyr::Error,
    syntax: bool,
    max_nodes: usize,
) -> Diagnostic {
    let inner = error.without_snippet();
    let text = UserMessageFormatter.format_message(inner).into_owned();
    let pos = inner.location().map(Pos::from).unwrap_or(Pos::new(1, 1, 1));
    if let serde_saphyr::Error::Budget { breach, .. } = inner {
        use serde_saphyr::budget::BudgetBreach;
        let limit = match breach {
            BudgetBreach::Nodes { .. } | BudgetBreach::Events { .. } => Some((
                format!("the suite holds more than {max_nodes} YAML nodes, the limit"),
                format!(
                    "split the suite into several files, or raise the limit: \
                     {MAX_YAML_NODES_ENV}={}",
                    max_nodes.saturating_mul(2)
                ),
            )),
            BudgetBreach::Depth { .. } => Some((
                "values nest more than 64 levels deep, the limit".to_owned(),
                "flatten this value: no suite needs this depth, and the limit is fixed".to_owned(),
            )),
            _ => None,
        };
        if let Some((message, help)) = limit {
            return src.diag(pos, message).with_help(help);
        }
    }
    if !syntax {
        return src
            .diag(pos, text)
            .with_help("check this value against the suite format");
    }
    let help = if text.contains("quote") {
        "close the string with the same quote character it starts with"
    } else if text.contains("bracket") {
        "close the flow collection: every `[` needs a `]` and every `{` a `}`"
    } else if text.contains("did not find expected key") || text.contains("expected '-'") {
        "check the indentation of this line: keys of one mapping (and items of one list) must start in the same column, with spaces, not tabs"
    } else if text.contains("mapping values are not allowed") {
        "a value cannot contain `: ` unquoted; quote it (`'...'`), or if this is a new key, put it on its own line"
    } else if text.contains("tab") {
        "indent with spaces; YAML does not allow tabs for indentation"
    } else if text.contains("replayed_events") {
        "aliases (`*name`) here expand to more YAML than a suite may hold; repeat less through \
         anchors, or write the values out"
    } else if text.contains("recursion limit") {
        "flow collections (`[...]`, `{...}`) nest too deep here; flatten this value"
    } else if text.contains("multiple") {
        "a suite file holds one YAML document; remove the `---` separator or split the file"
    } else {
        "fix the YAML syntax here (check indentation, quotes and brackets)"
    };
    src.diag(pos, format!("invalid YAML: {text}"))
        .with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_aliases_are_refused_quickly_and_located() {
        let mut text = String::from("name: Bomb\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (name, inner) in [("b", "a"), ("c", "b"), ("d", "c"), ("e", "d"), ("f", "e")] {
            let items = vec![format!("*{inner}"); 10].join(", ");
            text.push_str(&format!("{name}: &{name} [{items}]\n"));
        }
        text.push_str("cases: []\n");
        let src = SourceFile::new(std::path::Path::new("bomb.yaml"), &text);
        let problems = parse(&src, &text).expect_err("a million events are refused");
        assert_eq!(problems.len(), 1);
        let rendered = problems[0].to_string();
        assert!(rendered.contains("too large or too complex"), "{rendered}");
        assert!(rendered.contains("aliases (`*name`)"), "{rendered}");
    }
}
