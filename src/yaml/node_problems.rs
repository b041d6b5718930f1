//! Located problems in a YAML file read as [`Node`]s (the targets file, the seeding chain,
//! the double's seed): unknown keys with did-you-mean, values that must be mappings, and any
//! other problem.

use crate::diagnostic::Diagnostic;
use crate::yaml::source::SourceFile;
use crate::yaml::suggest;
use crate::yaml::{Entry, Node, NodeValue};

/// A reader of one file that collects located problems.
pub(crate) trait NodeProblems {
    /// The file read.
    fn source(&self) -> &SourceFile;

    /// The problems found so far.
    fn problems(&mut self) -> &mut Vec<Diagnostic>;

    /// Whether `entry`'s key is one of `keys`; an unknown key is a problem with a suggestion.
    fn known_key(&mut self, entry: &Entry, keys: &[&str], where_: &str) -> bool {
        if keys.contains(&entry.key.as_str()) {
            return true;
        }
        let message = format!(
            "unknown key `{}` {where_}{}",
            entry.key,
            suggest::suffix(&entry.key, keys.iter().copied())
        );
        let diag = self
            .source()
            .diag(entry.key_at, message)
            .with_label("unknown key")
            .with_help(format!("valid keys {where_}: {}", keys.join(", ")));
        self.problems().push(diag);
        false
    }

    /// The entries of `node`, or a problem when it is not a mapping.
    fn mapping<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Entry]> {
        if let NodeValue::Map(entries) = &node.value {
            return Some(entries);
        }
        self.problem(
            node,
            format!("{what} must be a mapping, found {}", node.kind()),
            "write `key: value` pairs",
        );
        None
    }

    /// A problem at `node`.
    fn problem(&mut self, node: &Node, message: impl Into<String>, help: impl Into<String>) {
        let diag = self.source().diag(node.at, message).with_help(help);
        self.problems().push(diag);
    }
}
