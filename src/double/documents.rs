//! Validated executable documents, cached by their text, one cache per schema served.
//!
//! Clients send the same few documents again and again (an integration has a handful of
//! operations; the harness sends a suite's steps in every trial), and parsing and validating
//! one against ION's full schema costs far more than running it. So a document that
//! validates is kept, keyed by its exact text ([`crate::text_cache`], bounded in memory), and
//! the next request with the same text skips both. Documents that do not validate are not
//! kept (their errors are worded afresh). A schema replaced at run time (`POST
//! /__double/schema`) gets a cache of its own, so a document is never reused against another
//! schema.

use std::sync::Arc;

use apollo_compiler::validation::{Valid, WithErrors};
use apollo_compiler::{ExecutableDocument, Schema};

use crate::text_cache::TextCache;

/// The documents that validated against one schema, by text.
#[derive(Debug, Default)]
pub(crate) struct Documents {
    kept: TextCache<Arc<Valid<ExecutableDocument>>>,
}

impl Documents {
    /// `query` parsed and validated against `schema` (the schema this cache belongs to),
    /// from the cache when the same text validated before.
    pub(crate) fn validate(
        &self,
        schema: &Valid<Schema>,
        query: &str,
    ) -> Result<Arc<Valid<ExecutableDocument>>, Box<WithErrors<ExecutableDocument>>> {
        self.kept.get_or_try(query, || {
            ExecutableDocument::parse_and_validate(schema, query, "request.graphql")
                .map(Arc::new)
                .map_err(Box::new)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_that_validated_is_reused_and_an_invalid_one_is_not_kept() {
        let schema =
            Schema::parse_and_validate("type Query { a: Int b: String }", "s.graphql").unwrap();
        let documents = Documents::default();
        let first = documents.validate(&schema, "{ a }").expect("valid");
        let again = documents.validate(&schema, "{ a }").expect("valid");
        assert!(Arc::ptr_eq(&first, &again), "the second is the kept one");
        assert!(documents.validate(&schema, "{ c }").is_err());
        assert_eq!(documents.kept.len(), 1);
    }
}
