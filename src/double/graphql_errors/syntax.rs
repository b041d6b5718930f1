//! graphql-core's syntax errors (`Syntax Error: Expected Name, found <EOF>.`,
//! `Syntax Error: Unexpected '}'.`) from apollo-parser's (`expected R_CURLY, got EOF`).
//! graphql-core's parser stops at the first error, so only the first is ever reported.
//!
//! apollo-parser and graphql-core's parser are in different states when they stop, so this
//! is a mapping of the common cases, not an exact one: what apollo expected to close (a `}`
//! or `)`) is where graphql-core expects another name; anything else is `Unexpected`.

/// graphql-core's message for apollo's syntax error `apollo` (without its `syntax error: `)
/// found at byte `offset` of `source`.
pub(super) fn message(source: &str, apollo: &str, offset: usize) -> String {
    let found = token_at(source, offset);
    let expected = apollo
        .strip_prefix("expected ")
        .map(|rest| rest.split(", got").next().unwrap_or(rest));
    let kind = match expected {
        Some("R_CURLY" | "R_PAREN" | "a Name" | "a name" | "NAME")
        | Some("at least one Selection in Selection Set") => Some("Name"),
        Some("COLON") => Some("':'"),
        Some("L_CURLY" | "a Selection Set") => Some("'{'"),
        Some("R_BRACK") => Some("']'"),
        Some("EQ") => Some("'='"),
        _ => None,
    };
    match kind {
        Some(kind) => format!("Syntax Error: Expected {kind}, found {found}."),
        None => format!("Syntax Error: Unexpected {found}."),
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
        return format!("Name \"{name}\"");
    }
    if first.is_ascii_digit() || first == '-' {
        let kind = if word.contains(['.', 'e', 'E']) {
            "Float"
        } else {
            "Int"
        };
        return format!("{kind} \"{word}\"");
    }
    if first == '"' {
        let text: String = rest[1..].chars().take_while(|c| *c != '"').collect();
        return format!("String \"{text}\"");
    }
    format!("'{first}'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unclosed_and_stray_braces_are_worded_as_graphql_core_words_them() {
        let unclosed = "{ part(id: 1) { id }";
        assert_eq!(
            message(unclosed, "expected R_CURLY, got EOF", unclosed.len()),
            "Syntax Error: Expected Name, found <EOF>."
        );
        assert_eq!(
            message(
                "{ a } }",
                "expected a StringValue, Name or OperationDefinition",
                6
            ),
            "Syntax Error: Unexpected '}'."
        );
        assert_eq!(
            message("{ a(b: 1", "expected R_PAREN, got EOF", 8),
            "Syntax Error: Expected Name, found <EOF>."
        );
    }
}
