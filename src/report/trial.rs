//! One trial's record: what it was, how it ended, and what each of its requests met.

use std::time::Duration;

use serde::Serialize;

use super::millis;
use crate::auth::AuthClass;
use crate::execute::{StepOutcome, round_ms};
use crate::outcome::{FailureClass, Outcome, TrialKind};

/// A failure: its class and the whole message the trial failed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// Why, in one word.
    pub class: FailureClass,
    /// The trial's failure message (scrubbed of credentials).
    pub message: String,
}

/// What one request of a case met.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    /// The step's name (a load check's requests all carry its step's name).
    pub name: String,
    /// The HTTP status of the answer kept; none when no answer came.
    pub status: Option<u16>,
    /// How long the request took, in milliseconds (retries included).
    pub duration_ms: u64,
    /// Attempts sent (retries after 429 or 5xx included).
    pub attempts: u32,
    /// Attempts answered 429.
    pub throttled: u32,
    /// Time waited before retries, in milliseconds.
    pub waited_ms: u64,
    /// Why ION refused it (401/403), when it did.
    #[serde(serialize_with = "auth_name")]
    pub auth: Option<AuthClass>,
    /// Whether the step expected that refusal (`expect: {auth: ...}`).
    pub auth_expected: bool,
    /// Whether it is one of the case's `cleanup:` steps.
    pub cleanup: bool,
}

impl From<&StepOutcome> for StepRecord {
    fn from(step: &StepOutcome) -> Self {
        StepRecord {
            name: step.name.clone(),
            status: step.status,
            duration_ms: u64::try_from(step.elapsed_ms).unwrap_or(u64::MAX),
            attempts: step.delivery.attempts,
            throttled: step.delivery.throttled,
            waited_ms: millis(step.delivery.waited),
            auth: step.auth,
            auth_expected: step.auth_expected,
            cleanup: step.cleanup,
        }
    }
}

fn auth_name<S: serde::Serializer>(auth: &Option<AuthClass>, s: S) -> Result<S::Ok, S::Error> {
    match auth {
        Some(class) => s.serialize_str(class.name()),
        None => s.serialize_none(),
    }
}

/// One trial, as the reports show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialRecord {
    /// The trial's name, as libtest lists it (`parts::list::mock`).
    pub name: String,
    /// What the trial stands for.
    pub kind: TrialKind,
    /// The suite's id (`parts`), or the trial's first part for other kinds (`preflight`).
    pub suite: String,
    /// The case's name, for a case.
    pub case: Option<String>,
    /// The target's name.
    pub target: String,
    /// How it ended.
    pub outcome: Outcome,
    /// How long it took, in milliseconds (0 when ignored).
    pub duration_ms: u64,
    /// Why it failed, when it did.
    pub failure: Option<Failure>,
    /// Why it was not run, when ignored.
    pub ignored_because: Option<String>,
    /// Every request the case sent, in order.
    pub steps: Vec<StepRecord>,
    /// Requests sent, retries included.
    pub requests: u32,
    /// Attempts answered 429.
    pub throttled: u32,
    /// Classes of the refusals (401/403) no step expected, each once, in order met.
    #[serde(serialize_with = "auth_names")]
    pub mismatch_classes: Vec<AuthClass>,
    /// What a load check measured, or what a smoke stage that passed found.
    pub notes: Vec<String>,
}

fn auth_names<S: serde::Serializer>(classes: &[AuthClass], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(classes.iter().map(|c| c.name()))
}

impl TrialRecord {
    /// A record of a trial named `name`, of `kind`, on `target`; passed, with no steps, until
    /// told otherwise.
    pub fn new(name: &str, kind: TrialKind, target: &str) -> Self {
        let mut parts = name.split("::");
        let suite = parts.next().unwrap_or_default().to_owned();
        let case = (kind == TrialKind::Case)
            .then(|| parts.next().map(str::to_owned))
            .flatten();
        TrialRecord {
            name: name.to_owned(),
            kind,
            suite,
            case,
            target: target.to_owned(),
            outcome: Outcome::Passed,
            duration_ms: 0,
            failure: None,
            ignored_because: None,
            steps: Vec::new(),
            requests: 0,
            throttled: 0,
            mismatch_classes: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Marks it ignored, with why.
    #[must_use]
    pub fn ignored(mut self, because: Option<String>) -> Self {
        self.outcome = Outcome::Ignored;
        self.ignored_because = because;
        self
    }

    /// Marks it failed.
    #[must_use]
    pub fn failed(mut self, class: FailureClass, message: String) -> Self {
        self.outcome = Outcome::Failed;
        self.failure = Some(Failure { class, message });
        self
    }

    /// Sets how long it took.
    #[must_use]
    pub fn took(mut self, duration: Duration) -> Self {
        self.duration_ms = millis(duration);
        self
    }

    /// Adds the requests the case sent, and what its load check measured.
    #[must_use]
    pub fn with_steps(mut self, steps: &[StepOutcome], notes: Vec<String>) -> Self {
        self.steps = steps.iter().map(StepRecord::from).collect();
        self.requests = self.steps.iter().map(|s| s.attempts).sum();
        self.throttled = self.steps.iter().map(|s| s.throttled).sum();
        for step in &self.steps {
            if let Some(class) = step.auth.filter(|_| !step.auth_expected)
                && !self.mismatch_classes.contains(&class)
            {
                self.mismatch_classes.push(class);
            }
        }
        self.notes = notes;
        self
    }

    /// Its highlights for after the run: what a load check measured, and, for a case that
    /// passed only after throttling, how many 429s it met and how long it waited.
    pub fn highlights(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .notes
            .iter()
            .map(|note| format!("{}: {note}", self.name))
            .collect();
        if self.outcome == Outcome::Passed && self.notes.is_empty() {
            // A step that asked to see the 429 does not count.
            let through = || self.steps.iter().filter(|s| s.status != Some(429));
            let throttled: u32 = through().map(|s| s.throttled).sum();
            if throttled > 0 {
                let waited = Duration::from_millis(through().map(|s| s.waited_ms).sum());
                lines.push(format!(
                    "{}: passed after {throttled} throttled attempt(s), waited {}",
                    self.name,
                    humantime::format_duration(round_ms(waited))
                ));
            }
        }
        lines
    }

    /// The first `n` lines of the failure message.
    pub fn message_head(&self, n: usize) -> Option<String> {
        let failure = self.failure.as_ref()?;
        let mut lines: Vec<&str> = failure.message.lines().take(n).collect();
        if failure.message.lines().count() > n {
            lines.push("...");
        }
        Some(lines.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_name_splits_into_suite_and_case() {
        let record = TrialRecord::new("inventory/by-location::list::mock", TrialKind::Case, "mock");
        assert_eq!(record.suite, "inventory/by-location");
        assert_eq!(record.case.as_deref(), Some("list"));
        let load = TrialRecord::new("parts::load", TrialKind::SuiteLoad, "mock");
        assert_eq!((load.suite.as_str(), load.case), ("parts", None));
    }

    #[test]
    fn the_message_head_is_cut_with_an_ellipsis() {
        let record = TrialRecord::new("a::b::mock", TrialKind::Case, "mock")
            .failed(FailureClass::Assertion, "one\ntwo\nthree".into());
        assert_eq!(record.message_head(2).as_deref(), Some("one\ntwo\n..."));
        assert_eq!(record.message_head(3).as_deref(), Some("one\ntwo\nthree"));
    }
}
