//! Where graphql-core says an error is: 1-based lines and columns (in characters), computed
//! as graphql-core 3.2 computes them.

use serde_json::{Value, json};

/// `{message, locations}` with graphql-core's 1-based line and column (in characters).
pub(super) fn to_json(source: &str, message: &str, offsets: &[usize]) -> Value {
    let locations: Vec<Value> = offsets
        .iter()
        .map(|&offset| {
            let (line, column) = line_column(source, offset);
            json!({ "line": line, "column": column })
        })
        .collect();
    json!({ "message": message, "locations": locations })
}

/// graphql-core 3.2's `Source.get_location`: the lines of the text before `offset` as
/// Python's `splitlines` cuts them, so an offset at the start of a line is reported at the
/// end of the line before it (`(1, 32)` for the second operation of `query A { ... }\nquery
/// B ...` when the first line has 31 characters), as ION reports it.
fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(source.len());
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    let mut lines = Vec::new();
    let mut current = 0;
    let mut chars = source[..end].chars().peekable();
    while let Some(c) = chars.next() {
        if is_line_break(c) {
            if c == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
            }
            lines.push(current);
            current = 0;
        } else {
            current += 1;
        }
    }
    if current > 0 {
        lines.push(current);
    }
    match lines.last() {
        Some(last) => (lines.len(), last + 1),
        None => (1, 1),
    }
}

/// The characters Python's `str.splitlines` breaks lines at.
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\u{b}'
            | '\u{c}'
            | '\u{1c}'
            | '\u{1d}'
            | '\u{1e}'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_follow_python_s_splitlines_as_graphql_core_s_do() {
        assert_eq!(line_column("", 0), (1, 1));
        assert_eq!(line_column("{ a }", 2), (1, 3));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        // The start of a line is the end of the one before it; CRLF is one break.
        assert_eq!(line_column("ab\r\ncd", 4), (1, 3));
        assert_eq!(line_column("é\n", 3), (1, 2));
    }
}
