//! Expectations on the operations a double receives, checked when it is dropped, as
//! wiremock checks a `Mock`'s `expect`.
//!
//! [`IonDouble::expect`] counts the `POST /graphql` requests naming an operation from then
//! on (each request of a JSON array counts; every answer counts, a 401 or 429 included).
//! When the double is dropped, and the thread is not already panicking, an unmet
//! expectation panics with the message of [`VerificationFailed`]: each unmet expectation,
//! the count seen, and the operations the double received. [`IonDouble::verify`] checks
//! them earlier and returns that error instead of panicking.
//!
//! Requests a higher-priority wiremock `Mock` answers never reach the double, so they are
//! neither logged nor counted here: give that `Mock` its own `expect`.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Range, RangeFrom, RangeFull, RangeInclusive, RangeTo, RangeToInclusive};

use super::IonDouble;
use super::journal::ReceivedRequest;

/// An operation a double expects to receive, and how many times ([`IonDouble::expect`]).
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
    fn contains(self, count: u64) -> bool {
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

/// The double's expectations that were not met: its `Display` is the message a drop
/// panics with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct VerificationFailed {
    /// Each unmet expectation with the number of matching requests seen.
    pub unmet: Vec<(Operation, u64)>,
    /// The operations in the double's log (its last requests), with how many of each.
    pub received: BTreeMap<String, usize>,
    /// The double's GraphQL endpoint.
    pub graphql_url: String,
}

impl VerificationFailed {
    fn message(&self) -> String {
        let mut lines =
            vec!["Verifications failed: the ION double's expectations were not met:".to_owned()];
        for (operation, seen) in &self.unmet {
            lines.push(format!(
                "- operation `{}`: expected {}, received {seen}",
                operation.name, operation.times
            ));
        }
        if self.received.is_empty() {
            lines.push(format!(
                "the double received no GraphQL operation at {}",
                self.graphql_url
            ));
        } else {
            let received: Vec<String> = self
                .received
                .iter()
                .map(|(name, count)| format!("{name} x{count}"))
                .collect();
            lines.push(format!(
                "operations received at {}: {}",
                self.graphql_url,
                received.join(", ")
            ));
        }
        lines.push(
            "help: an operation is named by the request's `operationName`, or by the name of \
             its only operation (`mutation CreatePart { ... }`); check that the client sends \
             that name to this URL, or change the expectation"
                .to_owned(),
        );
        lines.join("\n")
    }
}

/// The operations of `requests` by name (`(anonymous)` for unnamed ones), with counts.
fn operations(requests: &[ReceivedRequest]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for call in requests.iter().flat_map(|r| &r.graphql) {
        let name = call.operation_name.as_deref().unwrap_or("(anonymous)");
        *counts.entry(name.to_owned()).or_default() += 1;
    }
    counts
}

impl IonDouble {
    /// The requests this double received on ION's paths, oldest first: the last
    /// [`super::MAX_RECEIVED`] since it started or was last reset (see
    /// [`super::journal`] for what is kept; never a header or a token).
    pub fn received_requests(&self) -> Vec<ReceivedRequest> {
        self.journal.requests()
    }

    /// Expects `operation` to be received as many times as it says, counting from now;
    /// checked by [`IonDouble::verify`] and when the double is dropped (which panics if it
    /// is not met).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use ion_contract::double::{IonDouble, Operation};
    ///
    /// let double = IonDouble::builder().start().await.expect("the built-in data loads");
    /// double.expect(Operation::named("CreatePart").times(1));
    /// let failed = double.verify().expect_err("nothing was sent");
    /// assert!(failed.to_string().contains("operation `CreatePart`: expected exactly 1, received 0"));
    /// # std::mem::forget(double); // dropping it would panic: the expectation is unmet
    /// # }
    /// ```
    pub fn expect(&self, operation: Operation) {
        self.journal.expect(operation);
    }

    /// Checks the expectations now. Returns the unmet ones as an error (it does not
    /// panic); the drop checks them again.
    pub fn verify(&self) -> Result<(), VerificationFailed> {
        let unmet: Vec<(Operation, u64)> = self
            .journal
            .expectations()
            .into_iter()
            .filter(|(operation, seen)| !operation.times.contains(*seen))
            .collect();
        if unmet.is_empty() {
            return Ok(());
        }
        Err(VerificationFailed {
            unmet,
            received: operations(&self.received_requests()),
            graphql_url: self.graphql_url(),
        })
    }
}

impl Drop for IonDouble {
    /// Panics when an expectation is unmet, unless the thread is already panicking.
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        if let Err(failed) = self.verify() {
            panic!("{failed}");
        }
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
