//! Located, human-readable diagnostics for user input.
//!
//! A [`Diagnostic`] says *where* (a file, a 1-based line and column), *what* (the message and
//! a short label under the offending text) and *how to fix it* (the help line). It keeps the
//! one source line it points at, so it renders on its own, without re-reading the file, in
//! the rustc/Hurl style users already know:
//!
//! ```text
//! error: unknown key 'qurey' in a step; did you mean 'query'?
//!   --> suites/parts.yaml:12:9
//!    |
//! 12 |       - qurey: |
//!    |         ^^^^^ unknown key
//!    |
//!    = help: valid keys in a step: name, query, document, operation, variables, expect, capture, snapshot
//! ```
//!
//! Rendering uses annotate-snippets' plain renderer (no colour), so the text is stable enough
//! to snapshot and safe to write to CI logs. `file:line:col` always appears verbatim on the
//! `-->` line, which editors and terminals turn into a link.

use std::fmt;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

/// One problem found in a user's file, with its location and a fix hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file the problem is in, as the user named it (e.g. `suites/parts.yaml`).
    pub file: PathBuf,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub col: u32,
    /// How many characters to underline from `col` (at least one is drawn).
    pub len: u32,
    /// What is wrong, in one sentence.
    pub message: String,
    /// A few words shown under the underlined text (e.g. `unknown key`).
    pub label: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
    /// Extra context, e.g. which case and step of a suite a `.graphql` error belongs to.
    pub notes: Vec<String>,
    /// The text of line `line` of `file` (without its line break), when it is known.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at `file:line:col` with no source line, label, help or notes yet.
    pub fn new(file: impl Into<PathBuf>, line: u32, col: u32, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line,
            col,
            len: 1,
            message: message.into(),
            label: None,
            help: None,
            notes: Vec::new(),
            source_line: None,
        }
    }

    /// Sets the fix hint.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the label drawn under the underlined text.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Adds a note line.
    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Sets the source line the diagnostic points into.
    #[must_use]
    pub fn with_source_line(mut self, line: impl Into<String>) -> Self {
        self.source_line = Some(line.into());
        self
    }

    /// Sets how many characters are underlined.
    #[must_use]
    pub fn with_len(mut self, len: u32) -> Self {
        self.len = len;
        self
    }

    /// `file:line:col`, with `/` separators whatever the platform.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", display_path(&self.file), self.line, self.col)
    }
}

/// A path as users see it in messages: as given, with `/` separators.
pub fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// The byte range in `line` covering `len` characters from 1-based character column `col`,
/// clamped to the line (an empty range at the end when `col` is past it).
fn byte_span(line: &str, col: u32, len: u32) -> std::ops::Range<usize> {
    let start_char = col.saturating_sub(1) as usize;
    let mut offsets = line
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(line.len()));
    let start = offsets.nth(start_char).unwrap_or(line.len());
    let end = line[start..]
        .char_indices()
        .map(|(i, _)| start + i)
        .chain(std::iter::once(line.len()))
        .nth(len.max(1) as usize)
        .unwrap_or(line.len());
    start..end
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = display_path(&self.file);
        let line = self.line.max(1);
        let col = self.col.max(1);
        let title = Level::ERROR.primary_title(self.message.as_str());
        let mut group = match &self.source_line {
            Some(text) => {
                let mut annotation = AnnotationKind::Primary.span(byte_span(text, col, self.len));
                if let Some(label) = &self.label {
                    annotation = annotation.label(label.as_str());
                }
                Group::with_title(title).element(
                    Snippet::source(text.as_str())
                        .line_start(line as usize)
                        .path(path.as_str())
                        .annotation(annotation),
                )
            }
            None => Group::with_title(title).element(
                Origin::path(path.as_str())
                    .line(line as usize)
                    .char_column(col as usize),
            ),
        };
        if let Some(help) = &self.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        for note in &self.notes {
            group = group.element(Level::NOTE.message(note.as_str()));
        }
        let rendered = Renderer::plain().render(&[group]);
        f.write_str(rendered.trim_end())
    }
}

/// Every diagnostic of a file, then one line counting them: how a file with problems (the
/// targets file, the seeding chain) is reported.
pub fn render_all(diagnostics: &[Diagnostic], what: &str) -> String {
    let mut out: Vec<String> = diagnostics.iter().map(|d| format!("{d}\n")).collect();
    out.push(format!(
        "error: {what} has {} problem(s)",
        diagnostics.len()
    ));
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_snippet_label_help_and_note() {
        let d = Diagnostic::new("suites/parts.yaml", 4, 5, "unknown key 'qurey' in a step")
            .with_source_line("    qurey: |")
            .with_len(5)
            .with_label("unknown key")
            .with_help("valid keys in a step: name, query")
            .with_note("in case 'a'");
        let text = d.to_string();
        assert_eq!(
            text,
            "error: unknown key 'qurey' in a step\n \
             --> suites/parts.yaml:4:5\n  \
             |\n\
             4 |     qurey: |\n  \
             |     ^^^^^ unknown key\n  \
             |\n  \
             = help: valid keys in a step: name, query\n  \
             = note: in case 'a'"
        );
    }

    #[test]
    fn renders_without_a_source_line() {
        let d = Diagnostic::new("suites\\x.yaml", 3, 7, "cannot read the file");
        let text = d.to_string();
        assert!(text.starts_with("error: cannot read the file\n"), "{text}");
        assert!(text.contains("suites/x.yaml:3:7"), "{text}");
    }

    #[test]
    fn byte_span_counts_characters_and_clamps() {
        assert_eq!(byte_span("é abc", 3, 3), 3..6);
        assert_eq!(byte_span("abc", 9, 2), 3..3);
        assert_eq!(byte_span("abc", 2, 0), 1..2);
        assert_eq!(byte_span("", 1, 4), 0..0);
    }
}
