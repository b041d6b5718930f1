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

use super::IonDouble;
use super::journal::ReceivedRequest;
use super::operation::Operation;

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
                operation.name(),
                operation.expected()
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
            .filter(|(operation, seen)| !operation.expected().contains(*seen))
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
