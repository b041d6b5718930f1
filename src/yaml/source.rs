//! Source text and positions: turning parser locations into located [`Diagnostic`]s.
//!
//! serde-saphyr reports 1-based line/column positions (in characters) and a length for every
//! node. [`Pos`] carries those; [`SourceFile`] holds a file's text and name and builds
//! diagnostics that keep the line they point at.
//!
//! The one subtle part is [`SourceFile::pos_in_scalar`]: a position *inside* the value of a YAML
//! string (a GraphQL error at line 2, column 7 of a `query: |` block; the `${` of a template
//! inside a quoted string) is mapped back to the suite file by replaying how YAML wrote the
//! value. Literal blocks (`|`), plain scalars and quoted scalars without escapes map exactly;
//! every mapping is verified against the source text, and when the value was transformed in a
//! way we cannot replay (folded `>` blocks, escape sequences, multi-line flow scalars) the
//! position falls back to the start of the value rather than pointing somewhere wrong.

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::yaml::Location;

/// A position in a source file: 1-based line and character column, and how many characters
/// the thing there spans (for underlining).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub line: u32,
    pub col: u32,
    pub len: u32,
}

impl Pos {
    pub(crate) fn new(line: u32, col: u32, len: u32) -> Self {
        Self { line, col, len }
    }

    /// The model's `Location` (line and column only).
    pub(crate) fn location(self) -> Location {
        Location {
            line: self.line,
            col: self.col,
        }
    }

    /// The same position underlining `len` characters.
    pub(crate) fn with_len(self, len: u32) -> Self {
        Self { len, ..self }
    }
}

impl From<serde_saphyr::Location> for Pos {
    fn from(loc: serde_saphyr::Location) -> Self {
        let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        Self {
            line: clamp(loc.line()),
            col: clamp(loc.column()),
            len: clamp(loc.span().len()),
        }
    }
}

/// A file's name (as the user gave it) and text, split into lines.
#[derive(Debug)]
pub(crate) struct SourceFile {
    pub path: PathBuf,
    lines: Vec<String>,
}

impl SourceFile {
    pub(crate) fn new(path: &Path, text: &str) -> Self {
        let lines = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned())
            .collect();
        Self {
            path: path.to_path_buf(),
            lines,
        }
    }

    /// Line `n` (1-based), without its line break.
    pub(crate) fn line(&self, n: u32) -> Option<&str> {
        let index = usize::try_from(n).ok()?.checked_sub(1)?;
        self.lines.get(index).map(String::as_str)
    }

    /// A diagnostic at `pos` in this file, keeping the source line; the underline is clipped
    /// to the end of the line (a span that runs over several lines underlines its first line).
    pub(crate) fn diag(&self, pos: Pos, message: impl Into<String>) -> Diagnostic {
        let line = pos.line.max(1);
        let mut col = pos.col.max(1);
        let text = self.line(line);
        if let Some(text) = text {
            // At most one past the end of the line (where a missing `}` would go).
            let end = u32::try_from(text.chars().count() + 1).unwrap_or(u32::MAX);
            col = col.min(end);
        }
        let mut d = Diagnostic::new(&self.path, line, col, message);
        if let Some(text) = text {
            let available = text.chars().count().saturating_sub(col as usize - 1);
            let len = (pos.len as usize).min(available).max(1);
            d = d
                .with_source_line(text)
                .with_len(u32::try_from(len).unwrap_or(1));
        }
        d
    }

    /// Maps a position inside the value of a YAML string scalar back to the file.
    ///
    /// `start` is where the scalar node starts (serde-saphyr's location: the first content
    /// character of a block scalar, the opening quote of a quoted scalar). `line` and `col`
    /// are 0-based within `value`. Returns `None` when the value cannot be replayed exactly.
    pub(crate) fn pos_in_scalar(
        &self,
        start: Pos,
        value: &str,
        line: usize,
        col: usize,
    ) -> Option<Pos> {
        let value_lines: Vec<&str> = value.split('\n').collect();
        let wanted = value_lines.get(line)?;
        let first = self.line(start.line)?;
        let start_index = start.col.checked_sub(1)? as usize;
        let opening = first.chars().nth(start_index)?;
        if opening == '"' || opening == '\'' {
            return quoted_col(first, start, opening, wanted, value_lines.len(), col);
        }
        // Plain or literal block scalar: every value line is a source line at the same
        // indentation. Leading empty lines of a block come before `start`.
        let leading = value_lines.iter().take_while(|l| l.is_empty()).count();
        let source_line = (start.line as usize + line).checked_sub(leading)?;
        let source_line = u32::try_from(source_line).ok()?;
        if !wanted.is_empty() {
            let text = self.line(source_line)?;
            let rest: String = text.chars().skip(start_index).collect();
            if !rest.starts_with(wanted) {
                return None;
            }
        }
        Some(Pos::new(
            source_line,
            start.col + u32::try_from(col).ok()?,
            1,
        ))
    }
}

/// The position of value column `col` in a one-line quoted scalar, replaying its escapes
/// (`\"`, `\\`, `\n`, `\xXX`, `\uXXXX`, ... in double quotes; `''` in single quotes).
fn quoted_col(
    line: &str,
    start: Pos,
    quote: char,
    value: &str,
    lines: usize,
    col: usize,
) -> Option<Pos> {
    if lines != 1 {
        return None;
    }
    let raw: Vec<char> = line.chars().skip(start.col as usize).collect();
    // `columns[k]` is where the k-th character of the value is written, after the quote.
    let mut columns = Vec::new();
    let mut i = 0;
    loop {
        let c = *raw.get(i)?;
        let width = if c == quote {
            if quote == '\'' && raw.get(i + 1) == Some(&'\'') {
                2
            } else {
                break;
            }
        } else if quote == '"' && c == '\\' {
            match raw.get(i + 1)? {
                'x' => 4,
                'u' => 6,
                'U' => 10,
                _ => 2,
            }
        } else {
            1
        };
        columns.push(i);
        i += width;
    }
    if columns.len() != value.chars().count() {
        return None;
    }
    let offset = if col == columns.len() {
        i
    } else {
        *columns.get(col)?
    };
    let offset = u32::try_from(offset).ok()?;
    Some(Pos::new(start.line, start.col + 1 + offset, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new(Path::new("s.yaml"), text)
    }

    #[test]
    fn maps_lines_of_a_literal_block() {
        let f = file("q: |\n\n  query A {\n    me\n  }\nx: 1\n");
        // serde-saphyr puts the node at the first content line.
        let start = Pos::new(3, 3, 20);
        let value = "\nquery A {\n  me\n}\n";
        assert_eq!(f.pos_in_scalar(start, value, 1, 0), Some(Pos::new(3, 3, 1)));
        assert_eq!(f.pos_in_scalar(start, value, 2, 2), Some(Pos::new(4, 5, 1)));
        assert_eq!(f.pos_in_scalar(start, value, 0, 0), Some(Pos::new(2, 3, 1)));
    }

    #[test]
    fn maps_plain_and_quoted_one_line_scalars() {
        let f = file("a: query { me }\nb: \"x ${y}\"\nc: \"esc\\n ${y}\"\n");
        assert_eq!(
            f.pos_in_scalar(Pos::new(1, 4, 12), "query { me }", 0, 8),
            Some(Pos::new(1, 12, 1))
        );
        assert_eq!(
            f.pos_in_scalar(Pos::new(2, 4, 8), "x ${y}", 0, 2),
            Some(Pos::new(2, 7, 1))
        );
        assert_eq!(f.pos_in_scalar(Pos::new(3, 4, 8), "esc\n ${y}", 1, 1), None);
    }

    #[test]
    fn replays_escapes_in_quoted_scalars() {
        let f = file("a: \"q(id: \\\"1\\\") x\"\nb: 'it''s ${x}'\n");
        // Value: q(id: "1") x -- the `x` is character 11 of the value, column 18 of the line.
        assert_eq!(
            f.pos_in_scalar(Pos::new(1, 4, 16), "q(id: \"1\") x", 0, 11),
            Some(Pos::new(1, 18, 1))
        );
        assert_eq!(
            f.pos_in_scalar(Pos::new(2, 4, 12), "it's ${x}", 0, 5),
            Some(Pos::new(2, 11, 1))
        );
    }

    #[test]
    fn refuses_folded_scalars() {
        let f = file("a: >\n  one\n  two\n");
        assert_eq!(f.pos_in_scalar(Pos::new(2, 3, 8), "one two\n", 0, 5), None);
        let f = file("a: one\n  two\n");
        assert_eq!(f.pos_in_scalar(Pos::new(1, 4, 8), "one two", 0, 5), None);
    }

    #[test]
    fn diag_clips_the_underline_to_the_line() {
        let f = file("abc\n");
        let d = f.diag(Pos::new(1, 2, 40), "m");
        assert_eq!((d.len, d.source_line.as_deref()), (2, Some("abc")));
        let d = f.diag(Pos::new(9, 1, 1), "m");
        assert_eq!(d.source_line, None);
    }
}
