//! Where the trials' time goes: the time every trial of this process spent in each
//! [`Phase`], summed across threads. The harness bench (`cargo bench --bench harness`)
//! prints it per case, which is the profile that shows what a case costs beyond its
//! request; nothing in a run reads it.
//!
//! Counting costs two clock reads and one atomic add per phase of a trial, a few tens of
//! nanoseconds against the tens of microseconds a case takes on the double.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A phase of a trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The whole trial: from libtest handing it over to its result (every phase below is
    /// part of it).
    Trial,
    /// Starting the trial's own double (a copy of the seed, a pooled server) and its client.
    Double,
    /// Sending a step's request and reading its answer (pacing and retries included): the
    /// client, the transport and the server's work.
    Request,
    /// A step's expectations, captures and snapshot entry, once the answer is in.
    Checks,
    /// Comparing the case's recorded responses with its snapshot file.
    Snapshot,
}

impl Phase {
    /// Every phase, in the order above.
    pub const ALL: [Phase; 5] = [
        Phase::Trial,
        Phase::Double,
        Phase::Request,
        Phase::Checks,
        Phase::Snapshot,
    ];

    /// The phase's name in the bench's output.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Trial => "trial",
            Phase::Double => "double",
            Phase::Request => "request",
            Phase::Checks => "checks",
            Phase::Snapshot => "snapshot",
        }
    }

    fn slot(self) -> &'static AtomicU64 {
        static NANOS: [AtomicU64; 5] = [const { AtomicU64::new(0) }; 5];
        &NANOS[self as usize]
    }
}

/// Adds `spent` to `phase`'s total.
pub fn add(phase: Phase, spent: Duration) {
    let nanos = u64::try_from(spent.as_nanos()).unwrap_or(u64::MAX);
    phase.slot().fetch_add(nanos, Ordering::Relaxed);
}

/// Runs `work`, adding its time to `phase`.
pub fn timed<T>(phase: Phase, work: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let done = work();
    add(phase, started.elapsed());
    done
}

/// Awaits `work`, adding the time until it is done to `phase`.
pub async fn timed_async<T>(phase: Phase, work: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let done = work.await;
    add(phase, started.elapsed());
    done
}

/// Each phase's total so far, in [`Phase::ALL`]'s order.
pub fn totals() -> [(Phase, Duration); 5] {
    Phase::ALL.map(|phase| {
        (
            phase,
            Duration::from_nanos(phase.slot().load(Ordering::Relaxed)),
        )
    })
}

/// Sets every total back to zero (the bench does, between the runs it measures).
pub fn reset() {
    for phase in Phase::ALL {
        phase.slot().store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_phase_adds_up_its_own_time() {
        let before = totals();
        add(Phase::Snapshot, Duration::from_micros(7));
        timed(Phase::Snapshot, || {
            add(Phase::Checks, Duration::from_micros(3))
        });
        let after = totals();
        let grew = |phase: Phase| after[phase as usize].1 - before[phase as usize].1;
        // Other tests may run trials meanwhile, so the totals only ever grow by at least
        // what was added here.
        assert!(grew(Phase::Snapshot) >= Duration::from_micros(7));
        assert!(grew(Phase::Checks) >= Duration::from_micros(3));
        assert_eq!(
            Phase::ALL.map(Phase::name),
            ["trial", "double", "request", "checks", "snapshot"]
        );
    }
}
