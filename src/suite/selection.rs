//! Do a step's JSONPaths reach fields its operation selects?
//!
//! A response's `data` holds exactly the fields the operation asks for, under their response
//! keys (aliases), shaped by the schema's types. So the simple leading part of a path —
//! member names, indices and `[*]` — can be followed through the validated operation at load
//! time, catching what would otherwise be a confusing failure at run time:
//!
//! - `$.data.parts...` (`$` already is `data`);
//! - a misspelt or unselected field (`$.parts.edges[0].node.partNumbr`), with a did-you-mean
//!   over what the operation selects there;
//! - a name where the value is a list (`$.parts.edges.node`), or an index where it is not.
//!
//! The walk stops, accepting the path, at anything it cannot follow statically: filters,
//! slices, unions of selectors, descendants (`..`), `.*` on an object, `__typename`, and custom
//! scalars (which may hold any JSON). Fields reached through inline fragments and fragment
//! spreads count, so paths into unions and interfaces are accepted when any branch selects
//! the field.

use apollo_compiler::ast::Type;
use apollo_compiler::executable::{Field, Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::{ExecutableDocument, Node, Schema};

use crate::yaml::suggest;

/// One step of the simple leading part of a path, with its character offset and length.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Name(String),
    Index,
    Wildcard,
}

/// What is wrong with a path, and where in it (character offset and length).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathProblem {
    pub message: String,
    pub label: String,
    pub help: String,
    pub offset: usize,
    pub len: usize,
}

/// Splits the leading member-name / index / wildcard segments off a (valid) JSONPath.
fn segments(raw: &str) -> Vec<(Seg, usize, usize)> {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = Vec::new();
    if chars.first() != Some(&'$') {
        return out;
    }
    let mut i = 1;
    let name_char = |c: char, first: bool| {
        c == '_' || c.is_alphabetic() || (!first && c.is_ascii_digit()) || !c.is_ascii()
    };
    while let Some(&c) = chars.get(i) {
        let start = i;
        match c {
            '.' if chars.get(i + 1) == Some(&'*') => {
                out.push((Seg::Wildcard, start, 2));
                i += 2;
            }
            '.' if chars.get(i + 1).is_some_and(|&c| name_char(c, true)) => {
                i += 1;
                while chars.get(i).is_some_and(|&c| name_char(c, false)) {
                    i += 1;
                }
                let name: String = chars[start + 1..i].iter().collect();
                out.push((Seg::Name(name), start, i - start));
            }
            '[' => {
                let Some(close) = chars[i..].iter().position(|&c| c == ']') else {
                    break;
                };
                let inner: String = chars[i + 1..i + close].iter().collect();
                let inner = inner.trim();
                let quoted = inner.len() >= 2
                    && ((inner.starts_with('\'') && inner.ends_with('\''))
                        || (inner.starts_with('"') && inner.ends_with('"')));
                let seg = if inner == "*" {
                    Seg::Wildcard
                } else if !inner.is_empty()
                    && inner
                        .trim_start_matches('-')
                        .chars()
                        .all(|c| c.is_ascii_digit())
                {
                    Seg::Index
                } else if quoted
                    && !inner.contains('\\')
                    && !inner[1..inner.len() - 1].contains(['\'', '"'])
                {
                    Seg::Name(inner[1..inner.len() - 1].to_owned())
                } else {
                    break;
                };
                out.push((seg, start, close + 1));
                i += close + 1;
            }
            _ => break,
        }
    }
    out
}

/// The fields of a selection set with a given response key, through fragments.
fn fields_named<'d>(
    doc: &'d ExecutableDocument,
    set: &'d SelectionSet,
    key: &str,
    depth: usize,
    out: &mut Vec<&'d Node<Field>>,
) {
    if depth > 32 {
        return;
    }
    for selection in &set.selections {
        match selection {
            Selection::Field(f) if f.response_key().as_str() == key => out.push(f),
            Selection::Field(_) => {}
            Selection::InlineFragment(inline) => {
                fields_named(doc, &inline.selection_set, key, depth + 1, out)
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = doc.fragments.get(&spread.fragment_name) {
                    fields_named(doc, &fragment.selection_set, key, depth + 1, out);
                }
            }
        }
    }
}

/// Every response key a selection set holds, through fragments, in order.
fn response_keys<'d>(
    doc: &'d ExecutableDocument,
    set: &'d SelectionSet,
    depth: usize,
    out: &mut Vec<&'d str>,
) {
    if depth > 32 {
        return;
    }
    for selection in &set.selections {
        match selection {
            Selection::Field(f) => {
                let key = f.response_key().as_str();
                if !out.contains(&key) {
                    out.push(key);
                }
            }
            Selection::InlineFragment(inline) => {
                response_keys(doc, &inline.selection_set, depth + 1, out)
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = doc.fragments.get(&spread.fragment_name) {
                    response_keys(doc, &fragment.selection_set, depth + 1, out);
                }
            }
        }
    }
}

fn list_depth(ty: &Type) -> usize {
    match ty {
        Type::List(inner) | Type::NonNullList(inner) => 1 + list_depth(inner),
        Type::Named(_) | Type::NonNullNamed(_) => 0,
    }
}

/// Follows `raw` through the operation's selection; the first problem found, if any.
pub(crate) fn check(
    schema: &Schema,
    doc: &ExecutableDocument,
    root: &SelectionSet,
    raw: &str,
) -> Option<PathProblem> {
    let mut set = root;
    let mut lists = 0;
    // The field the walk is at: (response key, field) -- `None` at the root.
    let mut at: Option<(&str, &Node<Field>)> = None;
    let mut walked = "$".to_owned();
    for (seg, offset, len) in segments(raw) {
        let problem = |message: String, label: &str, help: String| {
            Some(PathProblem {
                message,
                label: label.to_owned(),
                help,
                offset,
                len,
            })
        };
        let here = walked.clone();
        if lists > 0 {
            match seg {
                Seg::Index | Seg::Wildcard => lists -= 1,
                Seg::Name(name) => {
                    let (key, field) = at?;
                    return problem(
                        format!(
                            "`{here}` is a list ({}), so it has no member `{name}`",
                            field.ty()
                        ),
                        "a list item must be chosen first",
                        format!(
                            "pick one item with `{key}[0].{name}` or every item with `{key}[*].{name}`"
                        ),
                    );
                }
            }
        } else if let Some((key, field)) = at.filter(|(_, f)| f.selection_set.selections.is_empty())
        {
            let ty = field.ty().inner_named_type();
            let builtin = matches!(ty.as_str(), "Int" | "Float" | "String" | "Boolean" | "ID");
            if !builtin && !matches!(schema.types.get(ty), Some(ExtendedType::Enum(_))) {
                return None; // A custom scalar may hold any JSON.
            }
            return problem(
                format!(
                    "`{here}` is of type {}, so the path cannot go further",
                    field.ty()
                ),
                "nothing below a scalar",
                format!(
                    "end the path at `{here}`, or select the fields you need instead of `{key}`"
                ),
            );
        } else {
            match seg {
                Seg::Wildcard => return None,
                Seg::Index => {
                    let what = at.map_or_else(
                        || "`data`".to_owned(),
                        |(_, f)| format!("`{here}` ({})", f.ty()),
                    );
                    return problem(
                        format!("{what} is an object, not a list"),
                        "not a list",
                        "remove the index; `[0]` and `[*]` apply to lists only".to_owned(),
                    );
                }
                Seg::Name(name) => {
                    if name == "__typename" {
                        return None;
                    }
                    let mut found = Vec::new();
                    fields_named(doc, set, &name, 0, &mut found);
                    let Some(field) = found.first().copied() else {
                        let mut keys = Vec::new();
                        response_keys(doc, set, 0, &mut keys);
                        if at.is_none() && name == "data" && !keys.contains(&"data") {
                            return problem(
                                format!(
                                    "path `{raw}` starts with `data`, but `$` already is the response's `data` object"
                                ),
                                "remove `.data`",
                                format!(
                                    "write `${}`",
                                    raw.chars().skip(offset + len).collect::<String>()
                                ),
                            );
                        }
                        let place = at.map_or_else(
                            || "at the top of the response".to_owned(),
                            |_| format!("under `{here}`"),
                        );
                        return problem(
                            format!(
                                "`{name}` is not selected by the operation {place}{}",
                                suggest::suffix(&name, keys.iter().copied()).replace('\'', "`")
                            ),
                            "not in the response",
                            format!(
                                "the operation selects {}: {}; a path only reaches fields the operation asks for, so add `{name}` to the operation or fix the path",
                                if at.is_none() { "at the top" } else { "there" },
                                keys.join(", ")
                            ),
                        );
                    };
                    lists = list_depth(field.ty());
                    set = &field.selection_set;
                    at = found.first().map(|f| (f.response_key().as_str(), *f));
                }
            }
        }
        walked.push_str(&raw.chars().skip(offset).take(len).collect::<String>());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use apollo_compiler::validation::Valid;

    #[test]
    fn splits_the_simple_leading_segments() {
        let names = |raw: &str| -> Vec<(Seg, usize, usize)> { segments(raw) };
        assert_eq!(
            names("$.parts.edges[0].node['part-number']"),
            [
                (Seg::Name("parts".into()), 1, 6),
                (Seg::Name("edges".into()), 7, 6),
                (Seg::Index, 13, 3),
                (Seg::Name("node".into()), 16, 5),
                (Seg::Name("part-number".into()), 21, 15),
            ]
        );
        assert_eq!(names("$.a[*].b..c").len(), 3);
        assert_eq!(names("$.a[?@.x == 1].b").len(), 1);
        assert_eq!(names("$.a[0:2]").len(), 1);
    }

    fn schema() -> Valid<Schema> {
        let sdl = "type Query { parts: [Part]! part: Part }\n\
                   type Part { id: Int! partNumber: String! extra: JSON }\n\
                   scalar JSON";
        Schema::parse_and_validate(sdl, "s.graphql").unwrap_or_else(|e| panic!("{e}"))
    }

    fn problem(query: &str, path: &str) -> Option<PathProblem> {
        let schema = schema();
        let doc = ExecutableDocument::parse_and_validate(&schema, query, "q.graphql")
            .unwrap_or_else(|e| panic!("{e}"));
        let op = doc
            .operations
            .get(None)
            .unwrap_or_else(|e| panic!("{}", e.message()));
        check(&schema, &doc, &op.selection_set, path)
    }

    #[test]
    fn accepts_paths_the_operation_selects() {
        let q = "query { parts { id renamed: partNumber ...F } part { ... on Part { extra } } }\n\
                 fragment F on Part { extra }";
        for path in [
            "$",
            "$.parts[0].id",
            "$.parts[*].renamed",
            "$['parts'][0].extra.anything",
            "$.part.extra[3]",
            "$.parts[?@.id == 1].nope",
            "$..whatever",
            "$.part.__typename",
        ] {
            assert_eq!(problem(q, path), None, "{path}");
        }
    }

    #[test]
    fn finds_unselected_fields_lists_and_scalars() {
        let q = "query { parts { id partNumber } part { id } }";
        let p = problem(q, "$.parts[0].partNumbr").expect("typo");
        assert!(
            p.message.contains("did you mean `partNumber`"),
            "{}",
            p.message
        );
        assert_eq!((p.offset, p.len), (10, 10));
        let p = problem(q, "$.data.parts").expect("data prefix");
        assert!(p.help.contains("`$.parts`"), "{}", p.help);
        let p = problem(q, "$.parts.id").expect("list");
        assert!(p.help.contains("`parts[0].id`"), "{}", p.help);
        let p = problem(q, "$.part[0]").expect("not a list");
        assert!(p.message.contains("not a list"), "{}", p.message);
        let p = problem(q, "$.part.id.x").expect("scalar");
        assert!(p.message.contains("Int!"), "{}", p.message);
    }
}
