//! Located YAML, the bottom of every file the harness reads: source text and positions
//! ([`source`]), values that keep their place in the file ([`node`], [`spanned`]), located
//! problems of hand-read files ([`node_problems`]) and did-you-mean suggestions ([`suggest`]).
//!
//! Suites, targets, the double's seed and the seeding chain are all read through it, so it
//! imports nothing of theirs.

pub(crate) mod node;
pub(crate) mod node_problems;
pub(crate) mod source;
pub(crate) mod spanned;
pub(crate) mod suggest;

pub(crate) use node::{Entry, Node, NodeValue};
pub(crate) use spanned::{Entries, Spanned};

/// A position in a file the harness reads (1-based line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Location {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}
