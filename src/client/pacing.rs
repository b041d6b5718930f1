//! Client-side pacing: at most `max_rps` requests per second to one target, shared by every
//! trial (and every credential profile) of the process, so the harness is never what
//! hammers a shared sandbox.
//!
//! A governor token bucket with a burst of one: requests leave at least `1/max_rps` apart,
//! so no one-second window holds more than `max_rps` of them.

use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// The requests-per-second a live target gets unless its `max_rps` says otherwise.
pub const DEFAULT_MAX_RPS: u32 = 5;
/// The highest `max_rps` a target on ION's hosts may have without an explicit opt-in
/// (`--allow-high-rate` or `ION_ALLOW_HIGH_RATE=1`): more is a load test, which ION asks to
/// coordinate with its support.
pub const MAX_RPS_CEILING: u32 = 20;

/// A target's "not before": after a 429 that said when to come back, no request to the target
/// leaves before then, whichever trial sends it. Shared by every clone of a client.
#[derive(Debug, Default)]
pub struct Gate {
    not_before: Mutex<Option<Instant>>,
}

impl Gate {
    /// No request leaves before `at` (a later hold wins over an earlier one).
    pub fn hold_until(&self, at: Instant) {
        let mut not_before = self
            .not_before
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *not_before = Some(not_before.map_or(at, |held| held.max(at)));
    }

    /// Waits until the gate is open; returns how long that was.
    pub async fn open(&self) -> Duration {
        let held = *self
            .not_before
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        match held {
            Some(at) if at > now => {
                tokio::time::sleep_until(at.into()).await;
                at - now
            }
            _ => Duration::ZERO,
        }
    }
}

/// One target's pace, shared by every client that sends to it.
#[derive(Debug)]
pub struct Pacer {
    limiter: DefaultDirectRateLimiter,
    max_rps: NonZeroU32,
}

impl Pacer {
    /// A pace of `max_rps` requests per second.
    pub fn new(max_rps: NonZeroU32) -> Self {
        let quota = Quota::per_second(max_rps).allow_burst(NonZeroU32::MIN);
        Pacer {
            limiter: RateLimiter::direct(quota),
            max_rps,
        }
    }

    /// The configured rate.
    pub fn max_rps(&self) -> NonZeroU32 {
        self.max_rps
    }

    /// Waits until the next request may leave; returns how long that was.
    pub async fn ready(&self) -> Duration {
        let started = Instant::now();
        self.limiter.until_ready().await;
        started.elapsed()
    }
}
