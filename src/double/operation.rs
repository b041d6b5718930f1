//! What an expectation counts: an operation by name, and how many times it must come
//! ([`Operation`], [`Times`]). The journal counts matching requests as they come
//! ([`super::journal`]); the double checks the counts ([`super::IonDouble::verify`]).

use std::fmt;
use std::ops::{Range, RangeFrom, RangeFull, RangeInclusive, RangeTo, RangeToInclusive};

/// An operation a double expects to receive, and how many times ([`super::IonDouble::expect`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    name: String,
    times: Times,
}

impl Operation {
    /// Requests whose operation name is `name` (the body's `operationName`, or the name of
    /// its only operation), at least once unless [`Operation::times`] says otherwise.
    pub fn named(name: impl Into<String>) -> Self {
        Operation {
            name: name.into(),
            times: Times::from(1..),
        }
    }

    /// How many times: `1`, `2..=3`, `1..`, `..=2`, `..` (any).
    #[must_use]
    pub fn times(mut self, times: impl Into<Times>) -> Self {
        self.times = times.into();
        self
    }

    /// The operation name expected.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How many times it is expected.
    pub fn expected(&self) -> Times {
        self.times
    }

    /// Whether a request of operation name `name` counts for this expectation.
    pub(crate) fn matches(&self, name: Option<&str>) -> bool {
        name == Some(self.name.as_str())
    }
}

/// How many times an operation is expected: a number or a range of numbers, as wiremock's
/// `Times`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    min: u64,
    /// Inclusive; `None` is no upper bound.
    max: Option<u64>,
}

impl Times {
    pub(crate) fn contains(self, count: u64) -> bool {
        count >= self.min && self.max.is_none_or(|max| count <= max)
    }
}

impl fmt::Display for Times {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.min, self.max) {
            (min, Some(max)) if min == max => write!(f, "exactly {min}"),
            (0, Some(max)) => write!(f, "at most {max}"),
            (0, None) => f.write_str("any number"),
            (min, None) => write!(f, "at least {min}"),
            (min, Some(max)) => write!(f, "between {min} and {max}"),
        }
    }
}

impl From<u64> for Times {
    fn from(exactly: u64) -> Self {
        Times {
            min: exactly,
            max: Some(exactly),
        }
    }
}

impl From<Range<u64>> for Times {
    fn from(range: Range<u64>) -> Self {
        Times {
            min: range.start,
            max: Some(range.end.saturating_sub(1)),
        }
    }
}

impl From<RangeInclusive<u64>> for Times {
    fn from(range: RangeInclusive<u64>) -> Self {
        Times {
            min: *range.start(),
            max: Some(*range.end()),
        }
    }
}

impl From<RangeFrom<u64>> for Times {
    fn from(range: RangeFrom<u64>) -> Self {
        Times {
            min: range.start,
            max: None,
        }
    }
}

impl From<RangeTo<u64>> for Times {
    fn from(range: RangeTo<u64>) -> Self {
        Times {
            min: 0,
            max: Some(range.end.saturating_sub(1)),
        }
    }
}

impl From<RangeToInclusive<u64>> for Times {
    fn from(range: RangeToInclusive<u64>) -> Self {
        Times {
            min: 0,
            max: Some(range.end),
        }
    }
}

impl From<RangeFull> for Times {
    fn from(_: RangeFull) -> Self {
        Times { min: 0, max: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_wiremock_s() {
        let cases: [(Times, &str, [bool; 4]); 6] = [
            (1.into(), "exactly 1", [false, true, false, false]),
            ((1..).into(), "at least 1", [false, true, true, true]),
            ((1..3).into(), "between 1 and 2", [false, true, true, false]),
            ((..=1).into(), "at most 1", [true, true, false, false]),
            (
                (2..=3).into(),
                "between 2 and 3",
                [false, false, true, true],
            ),
            ((..).into(), "any number", [true, true, true, true]),
        ];
        for (times, shown, counts) in cases {
            assert_eq!(times.to_string(), shown);
            assert_eq!([0, 1, 2, 3].map(|n| times.contains(n)), counts, "{shown}");
        }
        assert!(Operation::named("A").matches(Some("A")));
        assert!(!Operation::named("A").matches(None));
    }
}
