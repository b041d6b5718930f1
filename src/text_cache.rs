//! A bounded cache of what was computed from a text, keyed by the exact text.
//!
//! Clients send the same few GraphQL documents again and again, and suite files repeat a few
//! operations and JSONPaths many times; parsing and validating each costs far more than
//! looking it up. Only successes are kept (a failure is computed afresh, so its errors are
//! worded and located for its own place).
//!
//! Bounded in memory: a text longer than [`MAX_TEXT`] is never kept, and when the texts kept
//! reach [`MAX_TOTAL`] bytes the cache starts over empty (simple, and a working set is far
//! smaller).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The longest text whose result is kept, in bytes.
pub(crate) const MAX_TEXT: usize = 16 * 1024;

/// The most text kept at once, in bytes; past it the cache starts over.
pub(crate) const MAX_TOTAL: usize = 1024 * 1024;

/// Values computed from texts, by text.
#[derive(Debug)]
pub(crate) struct TextCache<V> {
    kept: Mutex<Kept<V>>,
}

#[derive(Debug)]
struct Kept<V> {
    by_text: HashMap<String, V>,
    bytes: usize,
}

impl<V> Default for TextCache<V> {
    fn default() -> Self {
        TextCache {
            kept: Mutex::new(Kept {
                by_text: HashMap::new(),
                bytes: 0,
            }),
        }
    }
}

impl<V: Clone> TextCache<V> {
    /// The value kept for `text`, or `compute`'s, kept when it succeeds.
    pub(crate) fn get_or_try<E>(
        &self,
        text: &str,
        compute: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        if let Some(kept) = self.lock().by_text.get(text) {
            return Ok(kept.clone());
        }
        let value = compute()?;
        if text.len() <= MAX_TEXT {
            let mut kept = self.lock();
            if kept.bytes + text.len() > MAX_TOTAL {
                kept.by_text.clear();
                kept.bytes = 0;
            }
            if kept
                .by_text
                .insert(text.to_owned(), value.clone())
                .is_none()
            {
                kept.bytes += text.len();
            }
        }
        Ok(value)
    }

    /// Whether a value is kept for `text` (without copying it).
    pub(crate) fn contains(&self, text: &str) -> bool {
        self.lock().by_text.contains_key(text)
    }

    /// How many values are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().by_text.len()
    }

    fn lock(&self) -> MutexGuard<'_, Kept<V>> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[test]
    fn a_success_is_computed_once_and_a_failure_every_time() {
        let (cache, computed) = (TextCache::default(), Cell::new(0));
        let count = |result: Result<usize, ()>| {
            computed.set(computed.get() + 1);
            result
        };
        assert_eq!(cache.get_or_try("a", || count(Ok(1))), Ok(1));
        assert_eq!(
            cache.get_or_try("a", || count(Ok(2))),
            Ok(1),
            "the kept one"
        );
        assert_eq!(cache.get_or_try("b", || count(Err(()))), Err(()));
        assert_eq!(cache.get_or_try("b", || count(Err(()))), Err(()));
        assert_eq!((computed.get(), cache.len()), (3, 1));
    }

    #[test]
    fn memory_is_bounded_by_text_length_and_total() {
        let cache = TextCache::default();
        let long = "x".repeat(MAX_TEXT + 1);
        cache.get_or_try::<()>(&long, || Ok(0)).unwrap();
        assert_eq!(cache.len(), 0, "a text past MAX_TEXT is not kept");
        for n in 0..(MAX_TOTAL / MAX_TEXT + 3) {
            let text = format!("{n:0width$}", width = MAX_TEXT);
            cache.get_or_try::<()>(&text, || Ok(n)).unwrap();
            assert!(cache.lock().bytes <= MAX_TOTAL);
        }
        assert!(cache.len() < MAX_TOTAL / MAX_TEXT + 3, "it started over");
    }
}
