//! JSONPath (RFC 9535) parsing for `data` assertions and captures.
//!
//! A path is *singular* when it can select at most one node. serde_json_path does not expose
//! that property, but RFC 9535 does define it through the grammar: only singular queries may
//! appear in a comparison. So `P` is singular exactly when `$[?P == null]` parses. The unit
//! tests below pin this down on the usual shapes of path.

use serde_json_path::JsonPath;

use crate::suite::model::DataPath;

/// Why a path does not parse: the parser's message and the character offset it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathError {
    pub message: String,
    pub offset: usize,
    pub help: String,
}

/// Parses a JSONPath written in a suite.
pub(crate) fn parse(raw: &str) -> Result<DataPath, PathError> {
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
    fn errors_point_at_the_problem() {
        let e = parse("$.a.b[").unwrap_err();
        assert_eq!(e.offset, 5);
        let e = parse("parts.edges").unwrap_err();
        assert_eq!(e.offset, 0);
        assert!(e.help.contains("`$.parts.edges`"), "{}", e.help);
    }
}
