//! Where a trial on the embedded double does its I/O: an async runtime and an HTTP client of
//! the libtest thread it runs on (single-threaded, made on the thread's first such trial).
//!
//! A trial holds its libtest thread until it is done. On the run's shared multi-threaded
//! runtime, each answer was read by one of the runtime's workers and handed over to the
//! waiting thread, a switch of threads each way of every request; on a runtime of its own
//! thread, the trial reads its answers itself (`cargo bench --bench harness`: a request of a
//! trial went from 139 to 113 µs, the bare client's being 97).
//!
//! Everything such a trial sends goes through this thread's client: its steps, the double's
//! control endpoints, its profiles' keys. A connection lives on the runtime that opened it,
//! so a client whose idle connections several runtimes shared could leave a thread waiting
//! on a runtime that no thread is driving. What the trials of a run on the double still
//! reach of the run's shared client (token sources of profiles, resolved before the run)
//! keeps no idle connections for that reason ([`crate::client::http_client_without_reuse`]).
//! A live target keeps the shared runtime and client, where its preflight and token
//! sources live.

use std::cell::OnceCell;

use tokio::runtime::Runtime;

use crate::client::http_client;

/// This thread's runtime and client, or why they could not be made.
type TrialIo = Result<(Runtime, reqwest::Client), String>;

thread_local! {
    static TRIAL_IO: OnceCell<TrialIo> = const { OnceCell::new() };
}

/// Runs `trial` with this thread's runtime and client; `Err` says why they could not be
/// made (the trial then fails as the harness's fault).
pub(super) fn with_trial_io<T>(
    trial: impl FnOnce(&Runtime, &reqwest::Client) -> T,
) -> Result<T, String> {
    TRIAL_IO.with(|io| match io.get_or_init(make) {
        Ok((runtime, http)) => Ok(trial(runtime, http)),
        Err(why) => Err(why.clone()),
    })
}

fn make() -> TrialIo {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start this test thread's async runtime: {e}"))?;
    let http = http_client().map_err(|e| e.to_string())?;
    Ok((runtime, http))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_keeps_one_runtime_and_client_and_another_thread_has_its_own() {
        let id = || with_trial_io(|runtime, _| runtime.handle().id()).unwrap();
        let here = id();
        assert_eq!(id(), here, "the same runtime on the same thread");
        let there = std::thread::spawn(id).join().unwrap();
        assert_ne!(there, here, "another thread has a runtime of its own");
        let ran = with_trial_io(|runtime, _| runtime.block_on(async { 7 }));
        assert_eq!(ran, Ok(7));
    }
}
