//! From text to [`SuiteFile`]: YAML syntax, then structure, then types.
//!
//! 1. The text is read into a generic [`Node`] tree. A YAML syntax error stops here: nothing
//!    after it can be trusted.
//! 2. [`shape::check`] walks the tree and reports every unknown, duplicate or missing key and
//!    every wrongly typed value, all at once.
//! 3. Only then is the text deserialized into the typed [`SuiteFile`]. After step 2 this
//!    should not fail; if it does, serde-saphyr's own message is reported, located.

use serde_saphyr::{DuplicateKeyPolicy, MessageFormatter, UserMessageFormatter};

use crate::diagnostic::Diagnostic;
use crate::suite::format::{Node, SuiteFile};
use crate::suite::shape;
use crate::suite::source::{Pos, SourceFile};

/// Parses a suite file's text, or returns every problem found before the typed pass.
pub(crate) fn parse(src: &SourceFile, text: &str) -> Result<SuiteFile, Vec<Diagnostic>> {
    let mut options = serde_saphyr::Options::default();
    // Keep duplicate keys in the tree so the shape check can report them with both places.
    options.duplicate_keys = DuplicateKeyPolicy::PassThrough;
    let tree: Node = serde_saphyr::from_str_with_options(text, options)
        .map_err(|e| vec![yaml_error(src, &e, true)])?;
    let problems = shape::check(&tree, src);
    if !problems.is_empty() {
        return Err(problems);
    }
    serde_saphyr::from_str::<SuiteFile>(text).map_err(|e| vec![yaml_error(src, &e, false)])
}

/// A serde-saphyr error as a diagnostic. `syntax` is true for the first (untyped) pass, where
/// every error is a YAML syntax error.
fn yaml_error(src: &SourceFile, error: &serde_saphyr::Error, syntax: bool) -> Diagnostic {
    let inner = error.without_snippet();
    let text = UserMessageFormatter.format_message(inner).into_owned();
    let pos = inner.location().map(Pos::from).unwrap_or(Pos::new(1, 1, 1));
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
    } else if text.contains("multiple") {
        "a suite file holds one YAML document; remove the `---` separator or split the file"
    } else {
        "fix the YAML syntax here (check indentation, quotes and brackets)"
    };
    src.diag(pos, format!("invalid YAML: {text}"))
        .with_help(help)
}
