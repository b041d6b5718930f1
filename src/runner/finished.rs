//! Trials that record how they ended, for the reports: every trial body returns what it
//! did ([`Finished`]), and the wrapper keeps that as a [`TrialRecord`] before telling libtest.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Instant;

use libtest_mimic::{Failed, Trial};

use crate::execute::StepOutcome;
use crate::progress::Progress;
use crate::report::{Collector, FailureClass, TrialKind, TrialRecord};

/// Where trials tell how they went: the records for the reports, and the progress line.
#[derive(Debug, Clone)]
pub(super) struct Recorder {
    pub collector: Arc<Collector>,
    pub progress: Arc<Progress>,
}

/// A trial before the run: the trial, its place in a live target's order, its record, why
/// it is ignored (when it is) and what `--shard` deals it with.
pub(super) struct Planned {
    pub trial: Trial,
    /// The verification rank on a live target (0 first).
    pub rank: u8,
    /// Its record, as it would be kept if it passed.
    pub record: TrialRecord,
    /// Why it is ignored, when it is.
    pub ignored_because: Option<String>,
    /// What `--shard` deals it with (its name, or its suite's lock); `None`: every shard.
    pub unit: Option<String>,
}

impl Planned {
    /// A trial of `kind` that fails with `message`, as a problem of `class`; in every shard
    /// unless it is a suite's own.
    pub fn failing(
        recorder: &Recorder,
        name: &str,
        kind: TrialKind,
        target: &str,
        class: FailureClass,
        message: String,
    ) -> Planned {
        let record = TrialRecord::new(name, kind, target);
        Planned {
            trial: recorded(recorder, record.clone(), move || {
                Finished::failed(class, message)
            }),
            rank: 0,
            unit: (kind == TrialKind::SuiteLoad).then(|| name.to_owned()),
            record,
            ignored_because: None,
        }
    }

    /// The record of this trial when it is ignored.
    pub fn ignored_record(&self) -> TrialRecord {
        self.record.clone().ignored(self.ignored_because.clone())
    }
}

/// What a trial did: the requests it sent, what its load check measured, and its failure.
#[derive(Debug, Default)]
pub(super) struct Finished {
    pub steps: Vec<StepOutcome>,
    pub notes: Vec<String>,
    pub failure: Option<(FailureClass, String)>,
}

impl Finished {
    /// A trial that failed before sending anything.
    pub fn failed(class: FailureClass, message: String) -> Self {
        Finished {
            failure: Some((class, message)),
            ..Finished::default()
        }
    }
}

/// A trial that runs `body`, keeps its record and passes or fails as it did (its failure
/// message scrubbed of secrets, see [`crate::scrub`]); the progress line names it as it
/// starts. A panic in `body` fails the trial (class `harness`) rather
/// than losing its record.
pub(super) fn recorded(
    recorder: &Recorder,
    record: TrialRecord,
    body: impl FnOnce() -> Finished + Send + 'static,
) -> Trial {
    let recorder = recorder.clone();
    Trial::test(record.name.clone(), move || {
        recorder.progress.advance(&record.name);
        let started = Instant::now();
        let finished = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|panic| {
            Finished::failed(
                FailureClass::Harness,
                format!("the harness panicked: {}", panic_message(panic.as_ref())),
            )
        });
        let mut record = record
            .took(started.elapsed())
            .with_steps(&finished.steps, finished.notes);
        let result = match finished.failure {
            Some((class, message)) => {
                // The one place a trial's message leaves: libtest prints it, reports keep it.
                let message = crate::scrub::text(&message);
                record = record.failed(class, message.clone());
                Err(Failed::from(message))
            }
            None => Ok(()),
        };
        recorder.collector.push(record);
        result
    })
}

/// The text of a panic's payload.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}
