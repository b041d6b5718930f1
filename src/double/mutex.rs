//! Locking the double's shared state.

use std::sync::{Mutex, MutexGuard};

/// A mutex's contents even if a panic poisoned it: every value in it stays consistent.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
