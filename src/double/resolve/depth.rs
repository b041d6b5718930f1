//! How deep an operation's selections nest, fragments followed: `{ me { id } }` is 2.
//!
//! Counted before anything runs, and only as far as the limit: the walk stops descending one
//! level past it, and each fragment's depth is worked out once, so neither a deep document
//! nor fragments spread many times make this walk long.

use std::collections::HashMap;

use apollo_compiler::ExecutableDocument;
use apollo_compiler::Name;
use apollo_compiler::executable::{Operation, Selection, SelectionSet};

/// The depth of `operation`, or any value above `limit` when it is deeper than that.
pub(super) fn of_operation(
    document: &ExecutableDocument,
    operation: &Operation,
    limit: u32,
) -> u32 {
    let mut walk = Walk {
        document,
        cap: limit.saturating_add(1),
        fragments: HashMap::new(),
    };
    walk.selection_set(&operation.selection_set, 0)
}

struct Walk<'d> {
    document: &'d ExecutableDocument,
    /// The depth past which nothing more is counted.
    cap: u32,
    /// A fragment's own depth (its selections below where it is spread), capped.
    fragments: HashMap<&'d Name, u32>,
}

impl<'d> Walk<'d> {
    /// The depth of `set` when it sits `above` levels below the operation.
    fn selection_set(&mut self, set: &'d SelectionSet, above: u32) -> u32 {
        if above >= self.cap {
            return self.cap;
        }
        let mut deepest = above;
        for selection in &set.selections {
            let depth = match selection {
                Selection::Field(field) => {
                    if field.selection_set.selections.is_empty() {
                        above + 1
                    } else {
                        self.selection_set(&field.selection_set, above + 1)
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.selection_set(&inline.selection_set, above)
                }
                Selection::FragmentSpread(spread) => {
                    above.saturating_add(self.fragment(&spread.fragment_name))
                }
            };
            deepest = deepest.max(depth.min(self.cap));
            if deepest >= self.cap {
                break;
            }
        }
        deepest
    }

    /// The depth a fragment adds where it is spread. Validation has ruled out cycles; a
    /// fragment being worked out counts as 0 should one slip through.
    fn fragment(&mut self, name: &'d Name) -> u32 {
        if let Some(depth) = self.fragments.get(name) {
            return *depth;
        }
        self.fragments.insert(name, 0);
        let depth = match self.document.fragments.get(name) {
            Some(fragment) => self.selection_set(&fragment.selection_set, 0),
            None => 0,
        };
        self.fragments.insert(name, depth);
        depth
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use apollo_compiler::Schema;

    const SDL: &str = "type Query { me: User } \
        type User { id: ID, organization: Organization } \
        type Organization { id: ID, users: [User] }";

    fn depth(query: &str, limit: u32) -> u32 {
        let schema = Schema::parse_and_validate(SDL, "schema.graphql").expect("schema");
        let document = ExecutableDocument::parse_and_validate(&schema, query, "q.graphql")
            .expect("valid document");
        let operation = document.operations.get(None).expect("one operation");
        of_operation(&document, operation, limit)
    }

    #[test]
    fn fields_inline_fragments_and_spreads_count_as_selected() {
        assert_eq!(depth("{ me { id } }", 30), 2);
        assert_eq!(
            depth("{ me { ... on User { organization { id } } } }", 30),
            3
        );
        assert_eq!(
            depth(
                "{ me { ...U } } fragment U on User { organization { users { id } } }",
                30
            ),
            4
        );
    }

    #[test]
    fn counting_stops_just_past_the_limit() {
        let nested = format!(
            "{{ me {{ {}id {}}} }}",
            "organization { users { ".repeat(40),
            "} } ".repeat(40)
        );
        assert_eq!(depth(&nested, 82), 82);
        assert_eq!(depth(&nested, 10), 11);
    }

    #[test]
    fn a_fragment_spread_many_times_is_walked_once() {
        let mut query = String::from("{ me { ...F0 } }\n");
        for i in 0..30 {
            let next = i + 1;
            query.push_str(&format!(
                "fragment F{i} on User {{ organization {{ users {{ ...F{next} }} }} \
                 organization {{ users {{ ...F{next} }} }} }}\n"
            ));
        }
        query.push_str("fragment F30 on User { id }\n");
        assert_eq!(depth(&query, 100), 62);
    }
}
