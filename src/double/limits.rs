//! How much work one request may make the double do, and what it answers beyond that.
//!
//! ION runs behind a gateway that answers **502 Bad Gateway** to any request without a
//! response after 30 seconds (ION's pagination guide: "always paginate"). The double keeps the
//! same promise with limits that make it fail fast instead of running on: a request beyond
//! any of them is stopped and answered HTTP 502, as ION's gateway would answer it after its
//! 30 s, with a JSON body that says which limit it met and how to stay under it:
//!
//! ```json
//! {"errors": [{"message": "The ION double stopped this request: its result passed 200000 values (fields and list items). ION's gateway answers 502 to a request that runs past 30 s; paginate (first/after) or select fewer nested lists. Raise the limit with `serve --max-result-values N`.",
//!   "extensions": {"code": "DOUBLE_LIMIT", "limit": "max_result_values", "value": 200000}}]}
//! ```
//!
//! | limit | default | what it bounds | raise it with |
//! | --- | --- | --- | --- |
//! | `max_depth` | 20 | nesting of an operation's selection sets (fragments followed), checked before anything runs | `serve --max-depth N`, [`Limits::max_depth`] |
//! | `max_result_values` | 200,000 | fields and list items one response may resolve (batches: each request on its own) | `serve --max-result-values N`, [`Limits::max_result_values`] |
//! | `time_limit` | 30 s | the time one request may run, ION's gateway timeout | `serve --time-limit 60s`, [`Limits::time_limit`] |
//! | `body_time_limit` | 30 s | the time a client may take to send a request's body (a slow or dripped body gets 408) | `serve --body-time-limit 60s`, [`Limits::body_time_limit`] |
//!
//! Real integrations stay far below them: the largest documents we know of are 2.3 MB with a
//! depth of 3, and a page of 100 parts with every scalar field is about 3,000 values; the
//! introspection query of `schema pull` has a depth of 14. The body itself is bounded by
//! [`super::serve::MAX_BODY_BYTES`] (413 beyond it).
//!
//! A request whose client disconnects stops executing at its next field, and queries run on a
//! copy of the store (writes take the store's lock), so a heavy request cannot hold up a
//! `{ me { id } }` from another client: that one runs on another thread, on the data as it
//! was committed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// What one request may cost the double (see the module docs for the defaults and why).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The deepest nesting of selection sets an operation may have (fragments followed).
    pub max_depth: u32,
    /// How many values (fields and list items) one response may resolve.
    pub max_result_values: u64,
    /// How long one request may run before the double answers 502, as ION's gateway does.
    pub time_limit: Duration,
    /// How long a client may take to send a request's body before the double answers 408.
    pub body_time_limit: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 20,
            max_result_values: 200_000,
            time_limit: Duration::from_secs(30),
            body_time_limit: Duration::from_secs(30),
        }
    }
}

impl Limits {
    /// One line for `serve`'s banner.
    pub fn describe(&self) -> String {
        format!(
            "depth {}, {} result values, {} per request, {} to send a body; beyond them 502 \
             (as ION's gateway after 30 s) or 408",
            self.max_depth,
            self.max_result_values,
            humantime::format_duration(self.time_limit),
            humantime::format_duration(self.body_time_limit),
        )
    }
}

/// Which limit a request met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LimitExceeded {
    Depth {
        limit: u32,
    },
    ResultValues {
        limit: u64,
    },
    Time {
        limit: Duration,
    },
    /// The client went away: nobody reads the answer.
    Cancelled,
}

impl LimitExceeded {
    /// The limit's name, as the 502 body's `extensions.limit` and `/__double/requests`'s
    /// `stopped` give it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            LimitExceeded::Depth { .. } => "max_depth",
            LimitExceeded::ResultValues { .. } => "max_result_values",
            LimitExceeded::Time { .. } => "time_limit",
            LimitExceeded::Cancelled => "cancelled",
        }
    }

    /// The 502 body, in ION's error shape, naming the limit and how to stay under it.
    pub(crate) fn body(self) -> Value {
        let (message, value) = match self {
            LimitExceeded::Depth { limit } => (
                format!(
                    "The ION double refused this request: its selections nest more than \
                     {limit} levels deep. ION's gateway answers 502 to a request that runs \
                     past 30 s; select fewer nested lists. Raise the limit with \
                     `serve --max-depth N`."
                ),
                json!(limit),
            ),
            LimitExceeded::ResultValues { limit } => (
                format!(
                    "The ION double stopped this request: its result passed {limit} values \
                     (fields and list items). ION's gateway answers 502 to a request that runs \
                     past 30 s; paginate (first/after) or select fewer nested lists. Raise the \
                     limit with `serve --max-result-values N`."
                ),
                json!(limit),
            ),
            LimitExceeded::Time { limit } => (
                format!(
                    "The ION double stopped this request after {}: ION's gateway answers 502 to \
                     a request that runs past 30 s; paginate (first/after) or select fewer \
                     nested lists. Raise the limit with `serve --time-limit DURATION`.",
                    humantime::format_duration(limit)
                ),
                json!(limit.as_secs_f64()),
            ),
            LimitExceeded::Cancelled => (
                "The client disconnected before the answer was ready.".to_owned(),
                Value::Null,
            ),
        };
        json!({ "errors": [{
            "message": message,
            "extensions": { "code": "DOUBLE_LIMIT", "limit": self.name(), "value": value },
        }] })
    }
}

/// Set by the transport when the client of a request has gone (its connection closed).
#[derive(Debug, Clone, Default)]
pub(crate) struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A guard that cancels when dropped: the transport holds it for as long as the client
    /// waits, so a request whose connection closes is cancelled.
    pub(crate) fn on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(Some(self.clone()))
    }

    fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Cancels its [`Cancel`] when dropped.
#[derive(Debug)]
pub(crate) struct CancelOnDrop(Option<Cancel>);

impl CancelOnDrop {
    /// The request finished: nothing to cancel any more.
    pub(crate) fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(cancel) = &self.0 {
            cancel.0.store(true, Ordering::Relaxed);
        }
    }
}

/// The work one request may still do: charged by the resolvers, value by value.
#[derive(Debug)]
pub(crate) struct Budget {
    limits: Limits,
    deadline: Instant,
    cancel: Cancel,
    spent: AtomicU64,
    /// The first limit met; once set, every further charge fails at once.
    exceeded: std::sync::OnceLock<LimitExceeded>,
}

/// How often (in values) the clock and the cancel flag are looked at.
const CHECK_EVERY: u64 = 256;

impl Budget {
    pub(crate) fn new(limits: Limits, cancel: Cancel) -> Self {
        Budget {
            deadline: Instant::now() + limits.time_limit,
            limits,
            cancel,
            spent: AtomicU64::new(0),
            exceeded: std::sync::OnceLock::new(),
        }
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Charges `values` resolved values; `Err` once any limit is met (and from then on).
    pub(crate) fn charge(&self, values: u64) -> Result<(), LimitExceeded> {
        if let Some(exceeded) = self.exceeded.get() {
            return Err(*exceeded);
        }
        let before = self.spent.fetch_add(values, Ordering::Relaxed);
        let after = before.saturating_add(values);
        let verdict = if after > self.limits.max_result_values {
            Some(LimitExceeded::ResultValues {
                limit: self.limits.max_result_values,
            })
        } else if before / CHECK_EVERY != after / CHECK_EVERY || values >= CHECK_EVERY {
            self.interrupted()
        } else {
            None
        };
        match verdict {
            Some(exceeded) => Err(*self.exceeded.get_or_init(|| exceeded)),
            None => Ok(()),
        }
    }

    /// The time limit or a cancellation, looked at between requests of a batch.
    pub(crate) fn check(&self) -> Result<(), LimitExceeded> {
        if let Some(exceeded) = self.exceeded.get() {
            return Err(*exceeded);
        }
        match self.interrupted() {
            Some(exceeded) => Err(*self.exceeded.get_or_init(|| exceeded)),
            None => Ok(()),
        }
    }

    fn interrupted(&self) -> Option<LimitExceeded> {
        if self.cancel.is_cancelled() {
            Some(LimitExceeded::Cancelled)
        } else if Instant::now() >= self.deadline {
            Some(LimitExceeded::Time {
                limit: self.limits.time_limit,
            })
        } else {
            None
        }
    }

    /// The limit met so far, if any.
    pub(crate) fn exceeded(&self) -> Option<LimitExceeded> {
        self.exceeded.get().copied()
    }

    /// A fresh count for the next request of a batch (the clock keeps running).
    pub(crate) fn next_request(&self) {
        self.spent.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(values: u64, time: Duration) -> Limits {
        Limits {
            max_result_values: values,
            time_limit: time,
            ..Limits::default()
        }
    }

    #[test]
    fn the_value_limit_holds_and_sticks() {
        let budget = Budget::new(limits(10, Duration::from_secs(60)), Cancel::default());
        assert_eq!(budget.charge(10), Ok(()));
        let exceeded = LimitExceeded::ResultValues { limit: 10 };
        assert_eq!(budget.charge(1), Err(exceeded));
        assert_eq!(budget.check(), Err(exceeded));
        assert_eq!(budget.exceeded(), Some(exceeded));
        assert_eq!(
            exceeded.body()["errors"][0]["extensions"]["limit"],
            "max_result_values"
        );
    }

    #[test]
    fn a_cancelled_request_stops_at_its_next_check() {
        let cancel = Cancel::default();
        let budget = Budget::new(limits(u64::MAX, Duration::from_secs(60)), cancel.clone());
        assert_eq!(budget.charge(1), Ok(()));
        drop(cancel.on_drop());
        assert_eq!(budget.check(), Err(LimitExceeded::Cancelled));
        assert_eq!(budget.charge(CHECK_EVERY), Err(LimitExceeded::Cancelled));
    }

    #[test]
    fn a_disarmed_guard_does_not_cancel() {
        let cancel = Cancel::default();
        cancel.on_drop().disarm();
        let budget = Budget::new(limits(u64::MAX, Duration::from_secs(60)), cancel);
        assert_eq!(budget.check(), Ok(()));
    }

    #[test]
    fn the_time_limit_is_met_once_the_deadline_passed() {
        let budget = Budget::new(limits(u64::MAX, Duration::ZERO), Cancel::default());
        let exceeded = LimitExceeded::Time {
            limit: Duration::ZERO,
        };
        assert_eq!(budget.check(), Err(exceeded));
        assert_eq!(budget.charge(1), Err(exceeded));
    }
}
