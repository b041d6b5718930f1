//! graphql-core's syntax errors (`Syntax Error: Expected Name, found <EOF>.`,
//! `Syntax Error: Unexpected '}'.`) from apollo-parser's (`expected R_CURLY, got EOF`).
//! graphql-core's parser stops at the first error, so only the first is ever reported.
//!
//! apollo-parser and graphql-core's parser are in different states when they stop, so this
//! is a mapping of the common cases, not an exact one: what apollo expected to close (a `}`
//! or `)`) is where graphql-core expects another name; anything else is `Unexpected`.

/// graphql-core's message and location (a byte offset) for apollo's syntax error `apollo`
/// (without its `syntax error: `) spanning `start..end` of `source`.
pub(super) fn error(source: &str, apollo: &str, start: usize, end: usize) -> (String, usize) {
    if apollo == "unterminated string value" {
        return ("Syntax Error: Unterminated string.".into(), end);
    }
    let found = token_at(source, start);
    let expected = apollo
        .strip_prefix("expected ")
        .map(|rest| rest.split(", got").next().unwrap_or(rest));
    let previous = previous_token(source, start);
    let kind = match expected {
        // `($id ID!)` and `(id 1)`: graphql-core read a name and wants its colon.
        Some("R_PAREN" | "a Name") if previous == Previous::Variable => Some("':'"),
        Some("R_PAREN") if previous == Previous::ArgumentName => Some("':'"),
        Some("R_CURLY" | "R_PAREN" | "a Name" | "a name" | "NAME")
        | Some("at least one Selection in Selection Set") => Some("Name"),
        Some("a Variable Definition") => Some("'$'"),
        Some("COLON") => Some("':'"),
        Some("L_CURLY" | "a Selection Set") => Some("'{'"),
        Some("R_BRACK") => Some("']'"),
        Some("EQ") => Some("'='"),
        _ => None,
    };
    let message = match kind {
        Some(kind) => format!("Syntax Error: Expected {kind}, found {found}."),
        None => format!("Syntax Error: Unexpected {found}."),
    };
    (message, start)
}

/// The token before an error, as far as choosing graphql-core's expectation needs it.
#[derive(PartialEq)]
enum Previous {
    /// `$name`
    Variable,
    /// A name that does not follow a `:`, i.e. not a value: in arguments, an argument's.
    ArgumentName,
    Other,
}

fn previous_token(source: &str, offset: usize) -> Previous {
    let before = source.get(..offset).unwrap_or("");
    let before = before.trim_end_matches(|c: char| c.is_whitespace() || c == ',');
    let name = before
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .count();
    if name == 0 {
        return Previous::Other;
    }
    let rest = &before[..before.len() - name];
    if rest.ends_with('$') {
        Previous::Variable
    } else if rest.trim_end().ends_with(':') {
        Previous::Other
    } else {
        Previous::ArgumentName
    }
}

/// graphql-core's description of the token at `offset`: `<EOF>`, `'}'`, `Name "x"`, ...
fn token_at(source: &str, offset: usize) -> String {
    let rest = source.get(offset..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return "<EOF>".into();
    };
    if rest.starts_with("...") {
        return "'...'".into();
    }
    if "!$&()...:=@[]{}|".contains(first) {
        return format!("'{first}'");
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '+'))
        .collect();
    if first.is_ascii_alphabetic() || first == '_' {
        let name: String = word
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        return format!("Name '{name}'");
    }
    if first.is_ascii_digit() || first == '-' {
        let kind = if word.contains(['.', 'e', 'E']) {
            "Float"
        } else {
            "Int"
        };
        return format!("{kind} '{word}'");
    }
    if first == '"' {
        let text: String = rest[1..].chars().take_while(|c| *c != '"').collect();
        return format!("String '{text}'");
    }
    format!("'{first}'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unclosed_and_stray_braces_are_worded_as_graphql_core_words_them() {
        let unclosed = "{ part(id: 1) { id }";
        let end = unclosed.len();
        assert_eq!(
            error(unclosed, "expected R_CURLY, got EOF", end, end).0,
            "Syntax Error: Expected Name, found <EOF>."
        );
        let stray = "expected a StringValue, Name or OperationDefinition";
        assert_eq!(
            error("{ a } }", stray, 6, 7).0,
            "Syntax Error: Unexpected '}'."
        );
        assert_eq!(
            error("{ a(b: 1", "expected R_PAREN, got EOF", 8, 8).0,
            "Syntax Error: Expected Name, found <EOF>."
        );
    }

    #[test]
    fn after_an_argument_s_name_graphql_core_wants_its_colon_after_a_value_a_name() {
        assert_eq!(
            error("{ a(b: 1 c }", "expected R_PAREN, got }", 11, 12).0,
            "Syntax Error: Expected ':', found '}'."
        );
        assert_eq!(
            error("{ a(b: x 1) }", "expected R_PAREN, got 1", 9, 10).0,
            "Syntax Error: Expected Name, found Int '1'."
        );
    }
}
