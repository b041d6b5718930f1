//! Finding GraphQL operations in a team's sources, for `init --from`.
//!
//! - `.graphql` / `.gql`: the whole file is one document; every operation in it counts.
//! - `.py`: every string literal (`"..."`, `'...'`, and the triple-quoted `"""..."""` and
//!   `'''...'''`, with any prefix such as `r` or `f`), outside `#` comments.
//! - `.js`, `.ts` (and `.jsx`, `.tsx`, `.mjs`, `.cjs`): every string literal (`"..."`, `'...'`)
//!   and template literal (`` `...` ``, so `` gql`...` `` too), outside `//` and `/* */`
//!   comments.
//!
//! A literal is an operation document when its text, trimmed, starts with `query`,
//! `mutation`, `fragment` or `{`, parses (apollo-compiler) as an executable document without
//! syntax errors and holds at least one operation. A document whose only operations are
//! `{...}` shorthands must nest selections (`{ me { id } }`): `"{name}"` is a format string
//! far more often than a query. The heuristic does not follow string concatenation or
//! interpolation: a literal built from pieces (`${FRAGMENT}`) does not parse and is left out.
//! Escapes are kept as written, so a literal's positions match the file. The scan knows
//! quotes and comments only: a JS regular-expression literal holding a quote (`/"/`) can
//! make it misread what follows, which at worst leaves an operation out.

use apollo_compiler::ast;

/// Where a source's operations come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A `.graphql` / `.gql` file.
    Graphql,
    /// Python.
    Python,
    /// JavaScript or TypeScript.
    Script,
}

impl SourceKind {
    /// The kind of a file, by its extension; `None` for files `init --from` does not read.
    pub fn of(path: &std::path::Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "graphql" | "gql" => Some(Self::Graphql),
            "py" => Some(Self::Python),
            "js" | "jsx" | "mjs" | "cjs" | "ts" | "tsx" => Some(Self::Script),
            _ => None,
        }
    }
}

/// A piece of a source that may hold GraphQL: its text and where that text starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The text (a literal's content, without quotes).
    pub text: String,
    /// 1-based line of the text's first character in the source file.
    pub line: usize,
    /// 1-based column (in characters) of the text's first character.
    pub column: usize,
}

impl Candidate {
    /// The file position of a 1-based line and column inside [`Self::text`].
    pub fn position_in_file(&self, line: usize, column: usize) -> (usize, usize) {
        if line <= 1 {
            (self.line, self.column + column.saturating_sub(1))
        } else {
            (self.line + line - 1, column)
        }
    }
}

/// The pieces of `source` that hold GraphQL operation documents.
pub fn operation_documents(kind: SourceKind, source: &str) -> Vec<Candidate> {
    let literals = match kind {
        SourceKind::Graphql => {
            return vec![Candidate {
                text: source.to_owned(),
                line: 1,
                column: 1,
            }];
        }
        SourceKind::Python => literals(source, Syntax::PYTHON),
        SourceKind::Script => literals(source, Syntax::SCRIPT),
    };
    literals
        .into_iter()
        .filter(|c| holds_operations(&c.text))
        .collect()
}

/// Whether `text` is an executable document with at least one operation (see the module docs).
fn holds_operations(text: &str) -> bool {
    let trimmed = text.trim_start();
    let keyword = ["query", "mutation", "fragment"]
        .iter()
        .any(|k| trimmed.starts_with(k));
    if !keyword && !trimmed.starts_with('{') {
        return false;
    }
    let Ok(document) = ast::Document::parse(text, "literal.graphql") else {
        return false;
    };
    let mut operations = 0;
    for definition in &document.definitions {
        match definition {
            ast::Definition::OperationDefinition(_) => operations += 1,
            ast::Definition::FragmentDefinition(_) => {}
            _ => return false,
        }
    }
    operations > 0 && (keyword || text.matches('{').count() >= 2)
}

/// The comment and quote rules of a language.
#[derive(Clone, Copy)]
struct Syntax {
    line_comment: &'static str,
    block_comment: bool,
    triple_quotes: bool,
    backtick: bool,
}

impl Syntax {
    const PYTHON: Self = Self {
        line_comment: "#",
        block_comment: false,
        triple_quotes: true,
        backtick: false,
    };
    const SCRIPT: Self = Self {
        line_comment: "//",
        block_comment: true,
        triple_quotes: false,
        backtick: true,
    };
}

/// Every string literal of `source`, with where its content starts.
fn literals(source: &str, syntax: Syntax) -> Vec<Candidate> {
    let chars: Vec<char> = source.chars().collect();
    let mut found = Vec::new();
    let (mut i, mut line, mut column) = (0, 1, 1);
    // Moves past `n` characters, keeping the line and column.
    let advance = |i: &mut usize, line: &mut usize, column: &mut usize, n: usize| {
        for _ in 0..n {
            if chars.get(*i) == Some(&'\n') {
                *line += 1;
                *column = 1;
            } else {
                *column += 1;
            }
            *i += 1;
        }
    };
    let starts_with = |i: usize, s: &str| {
        s.chars()
            .enumerate()
            .all(|(k, c)| chars.get(i + k) == Some(&c))
    };
    while i < chars.len() {
        if starts_with(i, syntax.line_comment) {
            while i < chars.len() && chars[i] != '\n' {
                advance(&mut i, &mut line, &mut column, 1);
            }
            continue;
        }
        if syntax.block_comment && starts_with(i, "/*") {
            advance(&mut i, &mut line, &mut column, 2);
            while i < chars.len() && !starts_with(i, "*/") {
                advance(&mut i, &mut line, &mut column, 1);
            }
            let rest = chars.len() - i;
            advance(&mut i, &mut line, &mut column, rest.min(2));
            continue;
        }
        let c = chars[i];
        let quote: Option<(String, bool)> =
            if syntax.triple_quotes && (starts_with(i, "\"\"\"") || starts_with(i, "'''")) {
                Some((c.to_string().repeat(3), true))
            } else if c == '"' || c == '\'' {
                Some((c.to_string(), false))
            } else if syntax.backtick && c == '`' {
                Some(("`".to_owned(), true))
            } else {
                None
            };
        let Some((close, multi_line)) = quote else {
            advance(&mut i, &mut line, &mut column, 1);
            continue;
        };
        let open = close.chars().count();
        advance(&mut i, &mut line, &mut column, open);
        let (start_line, start_column) = (line, column);
        let mut text = String::new();
        let mut closed = false;
        while i < chars.len() {
            if starts_with(i, &close) {
                advance(&mut i, &mut line, &mut column, open);
                closed = true;
                break;
            }
            if chars[i] == '\n' && !multi_line {
                break;
            }
            if chars[i] == '\\' && i + 1 < chars.len() {
                text.push(chars[i]);
                advance(&mut i, &mut line, &mut column, 1);
            }
            text.push(chars[i]);
            advance(&mut i, &mut line, &mut column, 1);
        }
        if closed {
            found.push(Candidate {
                text,
                line: start_line,
                column: start_column,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_triple_quoted_and_plain_literals_are_found_with_their_positions() {
        let source = "# query { me { id } } in a comment\nA = 'not graphql'\nQ = \"\"\"\nquery Me { me { id } }\n\"\"\"\nB = \"{name}\"\nC = \"{ me { id } }\"\n";
        let found = operation_documents(SourceKind::Python, source);
        let texts: Vec<&str> = found.iter().map(|c| c.text.trim()).collect();
        assert_eq!(texts, ["query Me { me { id } }", "{ me { id } }"]);
        assert_eq!((found[0].line, found[0].column), (3, 8));
        assert_eq!(found[0].position_in_file(2, 7), (4, 7));
        assert_eq!((found[1].line, found[1].column), (7, 6));
        assert_eq!(found[1].position_in_file(1, 3), (7, 8));
    }

    #[test]
    fn script_template_literals_count_and_comments_do_not() {
        let source = "// `query A { me { id } }`\n/* 'query B { me { id } }' */\nconst q = gql`\n  mutation C($id: ID!) { deletePart(id: $id) { id } }\n`;\nconst s = 'it\\'s';\n";
        let found = operation_documents(SourceKind::Script, source);
        assert_eq!(found.len(), 1);
        assert!(found[0].text.contains("mutation C"));
        assert_eq!((found[0].line, found[0].column), (3, 15));
    }
}
