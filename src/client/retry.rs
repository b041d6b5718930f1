//! When to send a request again, and how long to wait first.
//!
//! - **429** (throttled: ION did not process the request) is retried for every operation:
//!   after `Retry-After` when the response has one (delta-seconds or an HTTP-date), else
//!   after an exponential backoff with full jitter. A `Retry-After` longer than the cap is
//!   not cut short: the client gives up and returns the 429 rather than send early.
//! - **5xx**, and no whole answer at all (a timeout, a connection refused or reset), are
//!   retried for queries only, with the same backoff: a mutation that failed so may have been
//!   applied, and sending it again could duplicate data.
//! - Nothing else is retried here (a 401 saying the token expired is renewed once by the
//!   client itself).

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How many times to try, and how long to wait between tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (default 4).
    pub max_attempts: u32,
    /// The longest wait before one retry (default 30 s).
    pub max_wait: Duration,
    /// The first backoff step when the response says nothing (default 500 ms; doubled on
    /// each retry, then a uniformly random wait up to it is chosen).
    pub base: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_wait: Duration::from_secs(30),
            base: Duration::from_millis(500),
        }
    }
}

/// What a response means for the next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Return the response as it is.
    Done,
    /// Send again after this wait, which the server advertised (`Retry-After`): no request to
    /// the target may leave before it.
    Advertised(Duration),
    /// Send this request again after this backoff.
    Backoff(Duration),
    /// The server asked for a longer wait than the cap: return the response.
    TooLong(Duration),
}

impl RetryPolicy {
    /// No retries at all: every response is returned as it came (`retry: false`).
    pub const OFF: RetryPolicy = RetryPolicy {
        max_attempts: 1,
        max_wait: Duration::ZERO,
        base: Duration::ZERO,
    };

    /// What to do after `attempt` (1-based) answered `status` with `headers`, for a query
    /// (`idempotent`) or a mutation.
    pub fn verdict(
        &self,
        attempt: u32,
        status: u16,
        headers: &HeaderMap,
        idempotent: bool,
    ) -> Verdict {
        let retryable = status == 429 || (idempotent && (500..=599).contains(&status));
        if !retryable || attempt >= self.max_attempts {
            return Verdict::Done;
        }
        match retry_after(headers, SystemTime::now()) {
            Some(wait) if wait > self.max_wait => Verdict::TooLong(wait),
            Some(wait) => Verdict::Advertised(wait),
            None => Verdict::Backoff(self.backoff(attempt)),
        }
    }

    /// What to do after `attempt` (1-based) got no whole answer (a timeout, no connection, a
    /// reset): a query is sent again after a backoff, like after a 5xx; a mutation never.
    pub fn after_transport_failure(&self, attempt: u32, idempotent: bool) -> Verdict {
        if idempotent && attempt < self.max_attempts {
            Verdict::Backoff(self.backoff(attempt))
        } else {
            Verdict::Done
        }
    }

    /// Full jitter: a uniformly random wait up to `base * 2^(attempt-1)`, capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
            .min(self.max_wait);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(0..=millis))
    }
}

/// The wait a `Retry-After` header asks for, at `now`: delta-seconds or an HTTP-date (a
/// date in the past is no wait). `None` when there is no header or it cannot be read.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(retry_after: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            retry_after(&headers(Some("3")), now),
            Some(Duration::from_secs(3))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(
            retry_after(&headers(Some(&later)), now),
            Some(Duration::from_secs(7))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(
            retry_after(&headers(Some(&earlier)), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers(Some("soon")), now), None);
        assert_eq!(retry_after(&headers(None), now), None);
    }

    #[test]
    fn throttling_is_retried_for_every_operation_and_5xx_for_queries_only() {
        let policy = RetryPolicy::default();
        let none = headers(None);
        assert!(matches!(
            policy.verdict(1, 429, &none, false),
            Verdict::Backoff(_)
        ));
        assert!(matches!(
            policy.verdict(1, 503, &none, true),
            Verdict::Backoff(_)
        ));
        assert_eq!(policy.verdict(1, 503, &none, false), Verdict::Done);
        assert_eq!(policy.verdict(1, 400, &none, true), Verdict::Done);
        assert_eq!(policy.verdict(4, 429, &none, true), Verdict::Done);
        assert_eq!(RetryPolicy::OFF.verdict(1, 429, &none, true), Verdict::Done);
    }

    #[test]
    fn an_advertised_wait_is_kept_or_refused_never_shortened() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.verdict(1, 429, &headers(Some("2")), false),
            Verdict::Advertised(Duration::from_secs(2))
        );
        assert_eq!(
            policy.verdict(1, 429, &headers(Some("31")), false),
            Verdict::TooLong(Duration::from_secs(31))
        );
    }

    #[test]
    fn backoff_grows_and_stays_under_its_ceiling_and_the_cap() {
        let policy = RetryPolicy {
            max_wait: Duration::from_secs(3),
            ..RetryPolicy::default()
        };
        for attempt in 1..=8 {
            let ceiling = Duration::from_millis(500 * 2u64.pow(attempt - 1)).min(policy.max_wait);
            for _ in 0..50 {
                assert!(policy.backoff(attempt) <= ceiling, "attempt {attempt}");
            }
        }
    }

    #[test]
    fn only_queries_are_sent_again_after_a_transport_failure() {
        let policy = RetryPolicy::default();
        assert!(matches!(
            policy.after_transport_failure(1, true),
            Verdict::Backoff(_)
        ));
        assert_eq!(
            policy.after_transport_failure(policy.max_attempts, true),
            Verdict::Done,
            "the last attempt"
        );
        assert_eq!(
            policy.after_transport_failure(1, false),
            Verdict::Done,
            "a mutation"
        );
        assert_eq!(
            RetryPolicy::OFF.after_transport_failure(1, true),
            Verdict::Done
        );
    }
}
