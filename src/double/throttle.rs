//! Throttling, as ION might do it: a token bucket per API key (the `azp` client id of the
//! verified token) in each environment, and scripted storms of 429s.
//!
//! ION documents that it answers 429 when a client sends too much, but publishes no limits,
//! no rate-limit headers and no `Retry-After` (see the reference notes, §4.4). So the double
//! lets a test choose: the sustained rate and the burst of the bucket, and how a 429 says when
//! to come back ([`RetryAfter`]: delta-seconds, an HTTP-date, or nothing at all). A client
//! that handles all three handles whatever ION does.
//!
//! Only `POST /graphql` is throttled, after its token is verified (a request with a bad token
//! gets its 401 and costs nothing); the token endpoint and the admin endpoints never are. A
//! throttled request gets HTTP 429, the body [`TOO_MANY_REQUESTS`] in ION's `errors[].message`
//! shape, and `Retry-After` as configured. A JSON array of operations is one request.
//!
//! A storm ([`POST /__double/throttle`](super::environment) with `"storm"`) answers 429 to
//! every authenticated `/graphql` request, whatever the bucket says, either for the next N
//! requests (`Retry-After` one second) or for the next T milliseconds (`Retry-After` the time
//! left, rounded up to whole seconds). Storm requests take nothing from the bucket. Without
//! a bucket, a storm's `Retry-After` is in seconds.
//!
//! Implementation notes: the bucket is governor's keyed GCRA limiter on its monotonic clock.
//! Its keys are the client ids of tokens this environment signed, so it holds one entry per
//! API key, however many requests arrive. Changing the rate or the burst, and a reset, start
//! every bucket full. The run-time settings (the admin endpoint's JSON body) are checked,
//! applied and shown in [`settings`].

mod settings;

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use governor::clock::{Clock as _, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use serde_json::{Value, json};

use super::mutex::lock;
pub use settings::{StormChange, ThrottleChange};

/// The message of every 429. ION publishes no wording for it; this is the double's.
pub const TOO_MANY_REQUESTS: &str =
    "Too many requests: the rate limit for this API key is exceeded. Retry later.";

/// A token bucket per API key: how many `/graphql` requests an environment accepts from one
/// client id, and how its 429s say when to come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleSpec {
    /// The sustained rate: requests per second a bucket refills by.
    pub per_second: NonZeroU32,
    /// How many requests a full bucket lets through back to back.
    pub burst: NonZeroU32,
    /// How a 429 says when to come back.
    pub retry_after: RetryAfter,
}

impl ThrottleSpec {
    /// `per_second` requests per second, a burst of as many, `Retry-After` in seconds.
    pub fn per_second(per_second: NonZeroU32) -> Self {
        ThrottleSpec {
            per_second,
            burst: per_second,
            retry_after: RetryAfter::Seconds,
        }
    }

    /// The settings as JSON, as the admin endpoint shows them.
    fn to_json(self) -> Value {
        json!({
            "per_second": self.per_second.get(),
            "burst": self.burst.get(),
            "retry_after": self.retry_after.name(),
        })
    }
}

/// What a 429 says about when to come back (HTTP's `Retry-After` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RetryAfter {
    /// Delta-seconds: `Retry-After: 2` (the wait rounded up, at least 1).
    #[default]
    Seconds,
    /// An HTTP-date: `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT` (now plus the wait,
    /// rounded up to the next whole second).
    HttpDate,
    /// No `Retry-After` header, as ION documents none.
    Absent,
}

impl RetryAfter {
    /// The names `--retry-after` and the admin endpoint accept, in order.
    pub const NAMES: [&'static str; 3] = ["seconds", "http-date", "absent"];

    /// Its name: `seconds`, `http-date` or `absent`.
    pub fn name(self) -> &'static str {
        match self {
            RetryAfter::Seconds => Self::NAMES[0],
            RetryAfter::HttpDate => Self::NAMES[1],
            RetryAfter::Absent => Self::NAMES[2],
        }
    }

    /// How long a 429 in this mode tells the client to wait for a wait of `wait` (what its
    /// header says, rounded up as the header is), if it says anything.
    pub fn advertised(self, wait: Duration) -> Option<Duration> {
        let now = SystemTime::now();
        match self {
            RetryAfter::Seconds => Some(Duration::from_secs(whole_seconds(wait).max(1))),
            RetryAfter::HttpDate => next_whole_second(now.checked_add(wait).unwrap_or(now))
                .duration_since(now)
                .ok(),
            RetryAfter::Absent => None,
        }
    }

    /// The `Retry-After` header's value for a wait of `wait` from `now`, if any.
    pub fn header(self, wait: Duration, now: SystemTime) -> Option<String> {
        match self {
            RetryAfter::Seconds => Some(whole_seconds(wait).max(1).to_string()),
            RetryAfter::HttpDate => {
                let at = now.checked_add(wait).unwrap_or(now);
                Some(httpdate::fmt_http_date(next_whole_second(at)))
            }
            RetryAfter::Absent => None,
        }
    }
}

impl fmt::Display for RetryAfter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of [`RetryAfter::NAMES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a Retry-After mode; use seconds, http-date or absent")]
pub struct UnknownRetryAfter(pub String);

impl FromStr for RetryAfter {
    type Err = UnknownRetryAfter;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "seconds" => Ok(RetryAfter::Seconds),
            "http-date" => Ok(RetryAfter::HttpDate),
            "absent" => Ok(RetryAfter::Absent),
            other => Err(UnknownRetryAfter(other.to_owned())),
        }
    }
}

/// A duration in whole seconds, rounded up.
fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// `at`, or the next whole second after it: an HTTP-date has no fractions, and a client
/// must not come back early.
fn next_whole_second(at: SystemTime) -> SystemTime {
    match at.duration_since(UNIX_EPOCH) {
        Ok(since) if since.subsec_nanos() > 0 => {
            UNIX_EPOCH + Duration::from_secs(whole_seconds(since))
        }
        _ => at,
    }
}

/// A request the throttle refused: how long to wait, and how to say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Throttled {
    /// How long until a request would be accepted (as far as the throttle knows now).
    pub(crate) wait: Duration,
    /// How the 429 says it.
    pub(crate) retry_after: RetryAfter,
}

impl Throttled {
    /// The `Retry-After` header's value, if any, as of now.
    pub(crate) fn header(&self) -> Option<String> {
        self.retry_after.header(self.wait, SystemTime::now())
    }
}

/// The throttle of one environment: its bucket (if any) and its storm (if any).
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    limit: Option<Limit>,
    storm: Option<Storm>,
    /// Per client id: when its last advertised `Retry-After` was given, and until when.
    advised: HashMap<String, (Instant, Instant)>,
    /// Requests that came before their client's advertised time (see [`EARLY_GRACE`]).
    early: u64,
}

/// A request that arrives within this long after a 429 was sent may have left before the
/// client read it, so it is not counted as early.
pub(crate) const EARLY_GRACE: Duration = Duration::from_millis(100);

type KeyedLimiter = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>;

/// A bucket per client id.
#[derive(Debug)]
struct Limit {
    spec: ThrottleSpec,
    limiter: KeyedLimiter,
}

impl Limit {
    /// Full buckets.
    fn new(spec: ThrottleSpec) -> Self {
        let quota = Quota::per_second(spec.per_second).allow_burst(spec.burst);
        Limit {
            spec,
            limiter: RateLimiter::keyed(quota),
        }
    }
}

/// A scripted storm of 429s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Storm {
    /// The next N requests (N ≥ 1).
    Next(u64),
    /// Every request until then.
    Until(Instant),
}

/// How long a storm's 429 for the next N requests says to wait.
const STORM_WAIT: Duration = Duration::from_secs(1);

impl Throttle {
    /// A throttle with the bucket `spec` (none: no limit) and no storm.
    pub(crate) fn new(spec: Option<ThrottleSpec>) -> Self {
        Throttle {
            state: Mutex::new(State {
                limit: spec.map(Limit::new),
                ..State::default()
            }),
        }
    }

    /// Takes a request of `client_id` from its bucket, unless a storm or an empty bucket
    /// refuses it.
    pub(crate) fn check(&self, client_id: &str) -> Result<(), Throttled> {
        let mut state = lock(&self.state);
        let now = Instant::now();
        if let Some((given, until)) = state.advised.get(client_id)
            && now >= *given + EARLY_GRACE
            && now < *until
        {
            state.early += 1;
        }
        let refused = state.check(client_id, now);
        if let Err(throttled) = &refused
            && let Some(wait) = throttled.retry_after.advertised(throttled.wait)
        {
            let until = now + wait;
            let entry = state
                .advised
                .entry(client_id.to_owned())
                .or_insert((now, until));
            *entry = (now, entry.1.max(until));
        }
        refused
    }

    /// Requests that came before their client's advertised `Retry-After` (not counting
    /// those within [`EARLY_GRACE`] of the 429, which may have crossed it in flight).
    pub(crate) fn early(&self) -> u64 {
        lock(&self.state).early
    }

    /// What a reset does to the throttle: the buckets start full, a storm ends, and what was
    /// advertised is forgotten; the settings stay.
    pub(crate) fn reset(&self) {
        let mut state = lock(&self.state);
        state.storm = None;
        state.advised.clear();
        state.early = 0;
        if let Some(limit) = &mut state.limit {
            *limit = Limit::new(limit.spec);
        }
    }

    /// The current settings, as `GET /__double/throttle` answers them.
    pub(crate) fn settings(&self) -> Value {
        lock(&self.state).to_json(Instant::now())
    }

    /// Applies the admin endpoint's JSON `body`, then answers the resulting settings; a bad
    /// body changes nothing and gets a message naming the field and its valid values.
    pub(crate) fn configure(&self, body: &[u8]) -> Result<Value, String> {
        let change = ThrottleChange::parse(body)?;
        let mut state = lock(&self.state);
        let now = Instant::now();
        state.apply(change, now);
        Ok(state.to_json(now))
    }
}

impl State {
    /// The storm, then the bucket of `client_id`.
    fn check(&mut self, client_id: &str, now: Instant) -> Result<(), Throttled> {
        let retry_after = self.retry_after();
        match self.storm {
            Some(Storm::Next(n)) => {
                self.storm = (n > 1).then(|| Storm::Next(n - 1));
                return Err(Throttled {
                    wait: STORM_WAIT,
                    retry_after,
                });
            }
            Some(Storm::Until(end)) if now < end => {
                return Err(Throttled {
                    wait: end - now,
                    retry_after,
                });
            }
            Some(Storm::Until(_)) => self.storm = None,
            None => {}
        }
        let Some(limit) = &self.limit else {
            return Ok(());
        };
        limit
            .limiter
            .check_key(&client_id.to_owned())
            .map_err(|not_until| Throttled {
                wait: not_until.wait_time_from(limit.limiter.clock().now()),
                retry_after,
            })
    }

    /// How this environment's 429s say when to come back (seconds without a bucket).
    fn retry_after(&self) -> RetryAfter {
        self.limit
            .as_ref()
            .map_or(RetryAfter::Seconds, |limit| limit.spec.retry_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64, millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis)
    }

    #[test]
    fn seconds_round_up_and_are_at_least_one() {
        let now = at(1_700_000_000, 0);
        let header = |wait| RetryAfter::Seconds.header(wait, now);
        assert_eq!(header(Duration::ZERO).as_deref(), Some("1"));
        assert_eq!(header(Duration::from_millis(1)).as_deref(), Some("1"));
        assert_eq!(header(Duration::from_millis(1000)).as_deref(), Some("1"));
        assert_eq!(header(Duration::from_millis(1001)).as_deref(), Some("2"));
        assert_eq!(
            header(Duration::from_nanos(2_000_000_001)).as_deref(),
            Some("3")
        );
    }

    #[test]
    fn http_dates_are_now_plus_the_wait_rounded_up_to_a_whole_second() {
        // 2023-11-14T22:13:20Z is 1_700_000_000.
        let header = |now, wait| RetryAfter::HttpDate.header(wait, now);
        let whole = at(1_700_000_000, 0);
        assert_eq!(
            header(whole, Duration::from_secs(2)).as_deref(),
            Some("Tue, 14 Nov 2023 22:13:22 GMT")
        );
        assert_eq!(
            header(at(1_700_000_000, 400), Duration::from_millis(300)).as_deref(),
            Some("Tue, 14 Nov 2023 22:13:21 GMT"),
            "0.7 s past the second: the next whole second"
        );
        assert_eq!(
            header(at(1_700_000_000, 400), Duration::from_millis(600)).as_deref(),
            Some("Tue, 14 Nov 2023 22:13:21 GMT"),
            "exactly a whole second: kept"
        );
        let parsed = httpdate::parse_http_date(
            &header(at(1_700_000_000, 999), Duration::from_millis(1)).unwrap_or_default(),
        );
        assert_eq!(parsed.ok(), Some(at(1_700_000_001, 0)));
    }

    #[test]
    fn absent_means_no_header() {
        let now = SystemTime::now();
        assert_eq!(RetryAfter::Absent.header(Duration::from_secs(3), now), None);
    }

    #[test]
    fn names_round_trip() {
        for name in RetryAfter::NAMES {
            let mode: RetryAfter = name.parse().unwrap();
            assert_eq!(mode.name(), name);
            assert_eq!(mode.to_string(), name);
        }
        let error = "Seconds".parse::<RetryAfter>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "`Seconds` is not a Retry-After mode; use seconds, http-date or absent"
        );
    }

    fn two() -> NonZeroU32 {
        NonZeroU32::new(2).unwrap()
    }

    #[test]
    fn a_bucket_per_client_id_lets_the_burst_through_then_says_how_long_to_wait() {
        let throttle = Throttle::new(Some(ThrottleSpec {
            per_second: NonZeroU32::MIN,
            burst: two(),
            retry_after: RetryAfter::Seconds,
        }));
        assert_eq!(throttle.check("a"), Ok(()));
        assert_eq!(throttle.check("a"), Ok(()));
        let refused = throttle.check("a").unwrap_err();
        assert!(
            refused.wait > Duration::ZERO && refused.wait <= Duration::from_secs(1),
            "{refused:?}"
        );
        assert_eq!(refused.header().as_deref(), Some("1"));
        assert_eq!(
            throttle.check("b"),
            Ok(()),
            "another client's bucket is full"
        );
        throttle.reset();
        assert_eq!(throttle.check("a"), Ok(()), "a reset fills the buckets");
    }
}
