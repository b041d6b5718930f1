//! Validated executable documents, cached by their text, one cache per schema served.
//!
//! Clients send the same few documents again and again (an integration has a handful of
//! operations; the harness sends a suite's steps in every trial), and parsing and validating
//! one against ION's full schema costs far more than running it. So a document that
//! validates is kept, keyed by its exact text, and the next request with the same text skips
//! both. Documents that do not validate are not kept (their errors are worded afresh).
//!
//! Bounded in memory: a text longer than [`MAX_TEXT`] is never kept, and when the texts
//! kept reach [`MAX_TOTAL`] bytes the cache starts over empty (simple, and a client's
//! working set is far smaller). A schema replaced at run time (`POST /__double/schema`)
//! gets a cache of its own, so a document is never reused against another schema.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use apollo_compiler::validation::{Valid, WithErrors};
use apollo_compiler::{ExecutableDocument, Schema};

/// The longest document text that is kept, in bytes.
pub(crate) const MAX_TEXT: usize = 16 * 1024;

/// The most text kept at once, in bytes; past it the cache starts over.
pub(crate) const MAX_TOTAL: usize = 1024 * 1024;

/// The documents that validated against one schema, by text.
#[derive(Debug, Default)]
pub(crate) struct Documents {
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    by_text: HashMap<String, Arc<Valid<ExecutableDocument>>>,
    bytes: usize,
}

impl Documents {
    /// `query` parsed and validated against `schema` (the schema this cache belongs to),
    /// from the cache when the same text validated before.
    pub(crate) fn validate(
        &self,
        schema: &Valid<Schema>,
        query: &str,
    ) -> Result<Arc<Valid<ExecutableDocument>>, Box<WithErrors<ExecutableDocument>>> {
        if let Some(kept) = self.lock().by_text.get(query) {
            return Ok(Arc::clone(kept));
        }
        let document = ExecutableDocument::parse_and_validate(schema, query, "request.graphql");
        let document = Arc::new(document.map_err(Box::new)?);
        if query.len() <= MAX_TEXT {
            let mut kept = self.lock();
            if kept.bytes + query.len() > MAX_TOTAL {
                *kept = Kept::default();
            }
            if kept
                .by_text
                .insert(query.to_owned(), Arc::clone(&document))
                .is_none()
            {
                kept.bytes += query.len();
            }
        }
        Ok(document)
    }

    /// How many documents are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().by_text.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Valid<Schema> {
        Schema::parse_and_validate("type Query { a: Int b: String }", "s.graphql").unwrap()
    }

    #[test]
    fn a_document_that_validated_is_reused_and_an_invalid_one_is_not_kept() {
        let (schema, documents) = (schema(), Documents::default());
        let first = documents.validate(&schema, "{ a }").expect("valid");
        let again = documents.validate(&schema, "{ a }").expect("valid");
        assert!(Arc::ptr_eq(&first, &again), "the second is the kept one");
        assert!(documents.validate(&schema, "{ c }").is_err());
        assert_eq!(documents.len(), 1);
    }

    #[test]
    fn memory_is_bounded_by_text_length_and_total() {
        let (schema, documents) = (schema(), Documents::default());
        let long = format!("{{ a {} }}", " ".repeat(MAX_TEXT));
        documents.validate(&schema, &long).expect("valid");
        assert_eq!(documents.len(), 0, "a text past MAX_TEXT is not kept");
        // Distinct texts of MAX_TEXT bytes each: the cache never holds more than MAX_TOTAL.
        let per_text = MAX_TEXT;
        for n in 0..(MAX_TOTAL / per_text + 3) {
            let padding = " ".repeat(per_text - 7 - n.to_string().len());
            let text = format!("{{ a }}#{n}{padding}");
            assert_eq!(text.len(), per_text - 1);
            documents.validate(&schema, &text).expect("valid");
            assert!(documents.lock().bytes <= MAX_TOTAL);
        }
        assert!(
            documents.len() < MAX_TOTAL / per_text + 3,
            "it started over"
        );
    }
}
