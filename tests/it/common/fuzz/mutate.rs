//! Structure-aware mutations of seed inputs, as proptest strategies: a seed from the corpus
//! and a list of edits (bit flips, truncation, removed or inserted bytes, tokens from a
//! dictionary, duplicated, swapped and re-indented lines, lines spliced in from another
//! seed). Shrinking drops edits and simplifies them, so a failure shrinks to a seed and the
//! few edits that matter.

use std::sync::Arc;

use proptest::prelude::*;
use proptest::sample::select;

/// A place in a collection of any size, as a fraction of it: `pick(at, len)` (0 is the
/// start, so shrinking moves edits to the front).
pub type At = u32;

/// The index `at` stands for in a collection of `len` items (`len > 0`).
pub fn pick(at: At, len: usize) -> usize {
    ((u64::from(at) * len as u64) >> 32) as usize
}

/// One edit of an input.
#[derive(Debug, Clone)]
pub enum Edit {
    FlipBit { at: At, bit: u8 },
    SetByte { at: At, byte: u8 },
    Truncate { at: At },
    Remove { at: At, len: u8 },
    Insert { at: At, bytes: Vec<u8> },
    DuplicateLine { line: At, to: At },
    SwapLines { a: At, b: At },
    Indent { line: At, by: i8 },
    Splice { seed: At, line: At, to: At },
}

/// Any edit; insertions come from `dictionary` (tokens of the input's languages) or are
/// random bytes.
pub fn edit(dictionary: &'static [&'static str]) -> impl Strategy<Value = Edit> + Clone {
    prop_oneof![
        2 => (any::<At>(), 0u8..8).prop_map(|(at, bit)| Edit::FlipBit { at, bit }),
        1 => (any::<At>(), any::<u8>()).prop_map(|(at, byte)| Edit::SetByte { at, byte }),
        1 => any::<At>().prop_map(|at| Edit::Truncate { at }),
        2 => (any::<At>(), any::<u8>()).prop_map(|(at, len)| Edit::Remove { at, len }),
        6 => (any::<At>(), select(dictionary))
            .prop_map(|(at, token)| Edit::Insert { at, bytes: token.as_bytes().to_vec() }),
        1 => (any::<At>(), proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Edit::Insert { at, bytes }),
        2 => (any::<At>(), any::<At>()).prop_map(|(line, to)| Edit::DuplicateLine { line, to }),
        1 => (any::<At>(), any::<At>()).prop_map(|(a, b)| Edit::SwapLines { a, b }),
        2 => (any::<At>(), -4i8..5).prop_map(|(line, by)| Edit::Indent { line, by }),
        2 => (any::<At>(), any::<At>(), any::<At>())
            .prop_map(|(seed, line, to)| Edit::Splice { seed, line, to }),
    ]
}

/// A seed of `seeds`, with up to `max_edits` edits applied.
pub fn mutated(
    seeds: Arc<Vec<Vec<u8>>>,
    dictionary: &'static [&'static str],
    max_edits: usize,
) -> impl Strategy<Value = Vec<u8>> + Clone {
    assert!(!seeds.is_empty(), "an empty seed corpus");
    (
        any::<At>(),
        proptest::collection::vec(edit(dictionary), 0..=max_edits),
    )
        .prop_map(move |(seed, edits)| {
            let mut input = seeds[pick(seed, seeds.len())].clone();
            for edit in &edits {
                apply(&mut input, edit, &seeds);
            }
            input
        })
}

/// Random tokens of `dictionary` run together: input shaped like the language, not like it.
pub fn token_soup(dictionary: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> + Clone {
    proptest::collection::vec(select(dictionary), 0..48)
        .prop_map(|tokens| tokens.concat().into_bytes())
}

/// Plain random bytes.
pub fn random_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> + Clone {
    proptest::collection::vec(any::<u8>(), 0..max)
}

/// Applies one edit.
pub fn apply(input: &mut Vec<u8>, edit: &Edit, seeds: &[Vec<u8>]) {
    let len = input.len();
    match edit {
        Edit::FlipBit { at, bit } if len > 0 => input[pick(*at, len)] ^= 1 << bit,
        Edit::SetByte { at, byte } if len > 0 => input[pick(*at, len)] = *byte,
        Edit::Truncate { at } => input.truncate(pick(*at, len + 1)),
        Edit::Remove { at, len: n } => {
            let start = pick(*at, len + 1);
            let end = (start + usize::from(*n) + 1).min(len);
            input.drain(start..end.max(start));
        }
        Edit::Insert { at, bytes } => {
            let at = pick(*at, len + 1);
            input.splice(at..at, bytes.iter().copied());
        }
        Edit::DuplicateLine { line, to } => {
            let mut lines = split_lines(input);
            let copy = lines[pick(*line, lines.len())].clone();
            lines.insert(pick(*to, lines.len() + 1), copy);
            *input = lines.concat();
        }
        Edit::SwapLines { a, b } => {
            let mut lines = split_lines(input);
            let (a, b) = (pick(*a, lines.len()), pick(*b, lines.len()));
            lines.swap(a, b);
            *input = lines.concat();
        }
        Edit::Indent { line, by } => {
            let mut lines = split_lines(input);
            let at = pick(*line, lines.len());
            let target = &mut lines[at];
            if *by >= 0 {
                target.splice(0..0, std::iter::repeat_n(b' ', *by as usize));
            } else {
                let spaces = target.iter().take_while(|&&b| b == b' ').count();
                target.drain(..spaces.min(by.unsigned_abs() as usize));
            }
            *input = lines.concat();
        }
        Edit::Splice { seed, line, to } => {
            let other = split_lines(&seeds[pick(*seed, seeds.len())]);
            let mut lines = split_lines(input);
            let copy = other[pick(*line, other.len())].clone();
            lines.insert(pick(*to, lines.len() + 1), copy);
            *input = lines.concat();
        }
        Edit::FlipBit { .. } | Edit::SetByte { .. } => {}
    }
}

/// The input's lines, each with its line break; never empty (an empty input is one line).
fn split_lines(input: &[u8]) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = input
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    if lines.is_empty() {
        lines.push(Vec::new());
    }
    lines
}

#[test]
fn edits_keep_within_bounds_and_lines_move_whole() {
    let seeds = vec![b"a: 1\nb: 2\n".to_vec(), b"c: 3\n".to_vec()];
    let mut input = seeds[0].clone();
    let first = 0;
    apply(
        &mut input,
        &Edit::Splice {
            seed: At::MAX,
            line: first,
            to: first,
        },
        &seeds,
    );
    assert_eq!(input, b"c: 3\na: 1\nb: 2\n");
    apply(&mut input, &Edit::Indent { line: first, by: 2 }, &seeds);
    assert_eq!(input, b"  c: 3\na: 1\nb: 2\n");
    apply(
        &mut input,
        &Edit::Remove {
            at: At::MAX,
            len: 9,
        },
        &seeds,
    );
    assert_eq!(input.len(), 17, "removing at the end removes nothing");
    let mut empty = Vec::new();
    apply(&mut empty, &Edit::FlipBit { at: first, bit: 3 }, &seeds);
    apply(&mut empty, &Edit::SwapLines { a: first, b: first }, &seeds);
    assert!(empty.is_empty());
}
