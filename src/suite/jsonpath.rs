//! JSONPath (RFC 9535) parsing for `data` assertions and captures.
//!
//! A path is *singular* when it can select at most one node. serde_json_path does not expose
//! that property, but RFC 9535 does define it through the grammar: only singular queries may
//! appear in a comparison. So `P` is singular exactly when `$[?P == null]` parses. The unit
//! tests below pin this down on the usual shapes of path.
//!
//! # Limits
//!
//! serde_json_path's parser is recursive and backtracks: each nested filter about doubles the
//! time to parse a path (20 levels took seconds), and a few thousand nested brackets overflow
//! the stack. So before a path reaches the parser, [`check_limits`] refuses one that is
//! longer than [`MAX_PATH_CHARS`] characters, nests brackets and parentheses deeper than
//! [`MAX_NESTING`], or holds more than [`MAX_FILTERS`] filters (`?`) or [`MAX_DESCENDANTS`]
//! descendant segments (`..`), counting outside string literals. The limits are fixed: they
//! are far above what an assertion on a GraphQL response needs, and they also bound what a
//! path costs to evaluate (at most a few nested passes over the response). The error points
//! at the character where the limit is passed.

use serde_json_path::JsonPath;

use crate::suite::model::DataPath;

/// Why a path does not parse: the parser's message and the character offset it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathError {
    pub message: String,
    pub offset: usize,
    pub help: String,
}

/// The longest path, in characters.
pub(crate) const MAX_PATH_CHARS: usize = 1_000;
/// How deep brackets and parentheses may nest (`$[?(@.a[?@.b])]` nests 3 deep).
pub(crate) const MAX_NESTING: usize = 8;
/// How many filter selectors (`[?...]`) one path may hold.
pub(crate) const MAX_FILTERS: usize = 8;
/// How many descendant segments (`..`) one path may hold.
pub(crate) const MAX_DESCENDANTS: usize = 4;

/// Parses a JSONPath written in a suite.
pub(crate) fn parse(raw: &str) -> Result<DataPath, PathError> {
    check_limits(raw)?;
    match JsonPath::parse(raw) {
        Ok(path) => Ok(DataPath {
            raw: raw.to_owned(),
            path,
            singular: is_singular(raw),
        }),
        Err(e) => {
            let byte = e.position().min(raw.len());
            let offset = raw.char_indices().take_while(|(i, _)| *i < byte).count();
            Err(PathError {
                message: format!(
                    "invalid JSONPath `{raw}`: {} at character {}",
                    e.message(),
                    offset + 1
                ),
                offset,
                help: help_for(raw),
            })
        }
    }
}

/// Refuses a path the parser could take too long on, or overflow its stack with: see the
/// module docs.
pub(crate) fn check_limits(raw: &str) -> Result<(), PathError> {
    let refuse = |offset: usize, what: String| {
        Err(PathError {
            message: format!("JSONPath too complex: {what}"),
            offset,
            help: "simplify the path: select the list with a plain path and assert on its \
                   items, or split the check into several assertions (the limits are fixed)"
                .to_owned(),
        })
    };
    let (mut depth, mut filters, mut descendants) = (0usize, 0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut previous = '\0';
    for (offset, c) in raw.chars().enumerate() {
        if offset == MAX_PATH_CHARS {
            return refuse(offset, format!("longer than {MAX_PATH_CHARS} characters"));
        }
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            previous = c;
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '[' | '(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return refuse(
                        offset,
                        format!("brackets and parentheses nested deeper than {MAX_NESTING}"),
                    );
                }
            }
            ']' | ')' => depth = depth.saturating_sub(1),
            '?' => {
                filters += 1;
                if filters > MAX_FILTERS {
                    return refuse(offset, format!("more than {MAX_FILTERS} filters (`?`)"));
                }
            }
            '.' if previous == '.' => {
                descendants += 1;
                if descendants > MAX_DESCENDANTS {
                    return refuse(
                        offset - 1,
                        format!("more than {MAX_DESCENDANTS} descendant segments (`..`)"),
                    );
                }
                previous = '\0'; // `...` is not two descendant segments
                continue;
            }
            _ => {}
        }
        previous = c;
    }
    Ok(())
}

/// RFC 9535: only singular queries are allowed as comparison operands.
fn is_singular(raw: &str) -> bool {
    JsonPath::parse(&format!("$[?{raw} == null]")).is_ok()
}

fn help_for(raw: &str) -> String {
    let trimmed = raw.trim_start();
    if !trimmed.starts_with('$') {
        let rest = trimmed.trim_start_matches('.');
        format!("a JSONPath starts with `$`, the response's `data` object: write `$.{rest}`")
    } else {
        "paths start at the response's `data` object: `$.parts.edges[0].node.id`, \
         `$.parts.edges[*].node.partNumber`, `$.part['partNumber']`; see RFC 9535"
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singular_paths_select_at_most_one_node() {
        for p in [
            "$",
            "$.a",
            "$.a.b",
            "$.a[0]",
            "$['a']",
            "$.a[0].b['c']",
            "$.a[-1]",
        ] {
            assert!(
                parse(p).map(|d| d.singular).unwrap_or(false),
                "{p} should be singular"
            );
        }
    }

    #[test]
    fn wildcards_slices_filters_and_descendants_are_not_singular() {
        for p in [
            "$.a[*]",
            "$..a",
            "$.a[0:2]",
            "$.a[?@.b == 1]",
            "$.a['b','c']",
            "$.*",
            "$.a[0,1]",
        ] {
            assert!(
                !parse(p).map(|d| d.singular).unwrap_or(true),
                "{p} should not be singular"
            );
        }
    }

    #[test]
    fn deeply_nested_paths_are_refused_before_parsing() {
        // Without the limit, 4,000 parentheses overflow the parser's stack and 20 nested
        // filters take seconds: both must be refused at once, at the first character past it.
        let parens = format!("$[?{}@.a{}]", "(".repeat(4_000), ")".repeat(4_000));
        let e = parse(&parens).unwrap_err();
        // `[` at 1 is level 1, so the 8th `(` (at 3 + 7) is level 9.
        assert_eq!(e.offset, 10, "{}", e.message);
        assert!(e.message.contains("nested deeper than 8"), "{}", e.message);
        let mut filters = "@".to_owned();
        for _ in 0..2_000 {
            filters = format!("@[?{filters}]");
        }
        let e = parse(&format!("$[?{filters}]")).unwrap_err();
        assert!(e.message.contains("JSONPath too complex"), "{}", e.message);
        assert!(parse(&"$.a".repeat(400)).is_err(), "1,200 characters");
        assert!(
            parse("$..a..b..c..d..e")
                .unwrap_err()
                .message
                .contains("`..`")
        );
    }

    #[test]
    fn paths_within_the_limits_and_brackets_in_strings_parse() {
        for p in [
            "$.parts.edges[?@.node.quantity > 2 && (@.node.a == 1 || @.node.b == 2)].node.id",
            "$..a..b..c..d",
            "$['((((((((((((((((((((']",
            "$[?@.a == '[[[[[[[[[[[[\\']]]]']",
        ] {
            assert!(parse(p).is_ok(), "{p}: {:?}", parse(p).err());
        }
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("$.a.b[").unwrap_err();
        assert_eq!(e.offset, 5);
        let e = parse("parts.edges").unwrap_err();
        assert_eq!(e.offset, 0);
        assert!(e.help.contains("`$.parts.edges`"), "{}", e.help);
    }
}
