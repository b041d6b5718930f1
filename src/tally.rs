//! What a run's requests came to, summed over every trial and told after the run: cases
//! that passed only after throttling, and a run whose requests were mostly refused.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::execute::{StepOutcome, round_ms};

/// Requests sent by every trial, and how many ION refused when the step did not expect it:
/// when most were, the run ends with one line saying the credentials look wrong.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    sent: AtomicUsize,
    refused: AtomicUsize,
    /// Lines for after the run: cases that passed only after throttled attempts (with how
    /// many and how long), and what load checks measured.
    after_run: Mutex<Vec<String>>,
}

impl Tally {
    pub(crate) fn count(&self, steps: &[StepOutcome]) {
        let answered = steps.iter().filter(|s| s.status.is_some());
        let refused = answered
            .clone()
            .filter(|s| s.auth.is_some() && !s.auth_expected)
            .count();
        self.sent.fetch_add(answered.count(), Ordering::Relaxed);
        self.refused.fetch_add(refused, Ordering::Relaxed);
    }

    /// Keeps what a load check measured, for after the run.
    pub(crate) fn notes(&self, trial: &str, notes: &[String]) {
        let mut lines = self
            .after_run
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        lines.extend(notes.iter().map(|note| format!("{trial}: {note}")));
    }

    /// Notes a passing case whose requests were throttled on the way.
    pub(crate) fn passed(&self, trial: String, steps: &[StepOutcome]) {
        // Throttled on the way, then answered: a step that asked to see the 429 does not count.
        let through = || steps.iter().filter(|s| s.status != Some(429));
        let throttled: u32 = through().map(|s| s.delivery.throttled).sum();
        if throttled == 0 {
            return;
        }
        let waited: std::time::Duration = through().map(|s| s.delivery.waited).sum();
        let line = format!(
            "{trial}: passed after {throttled} throttled attempt(s), waited {}",
            humantime::format_duration(round_ms(waited))
        );
        self.after_run
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(line);
    }

    /// The lines printed after the run.
    pub(crate) fn summary(&self, target: &str) -> Vec<String> {
        let mut lines: Vec<String> = self
            .after_run
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|line| format!("ion-contract: {line}"))
            .collect();
        lines.sort();
        lines.extend(self.verdict(target));
        lines
    }

    /// The summary line, when most requests were refused.
    fn verdict(&self, target: &str) -> Option<String> {
        let sent = self.sent.load(Ordering::Relaxed);
        let refused = self.refused.load(Ordering::Relaxed);
        (refused > 0 && refused * 2 > sent).then(|| {
            format!(
                "ion-contract: {refused} of {sent} requests to target {target} were refused \
                 (401/403): credentials look wrong for this target; the failures above name \
                 each refusal's class, and `ion-contract preflight --target {target}` checks \
                 the environment of every URL and credential"
            )
        })
    }
}
