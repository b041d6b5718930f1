//! Throttle checks and ramps: a case's one step sent many times at a rate, with 429 as an
//! outcome to measure rather than a failure.
//!
//! - **`throttle:`** sends `requests` copies of the step, one every `1/rate` s (the target's
//!   pacer and gate still apply, so `max_rps` and every advertised `Retry-After` hold), each
//!   retried as usual. It fails when a request did not succeed in the end, when a request was
//!   sent before a `Retry-After` said it could be, when more than `max_throttled` answers were
//!   429, or when the whole took longer than `within`.
//! - **`ramp:`** sends `requests` copies at `from` per second, then `from + by`, ... up to
//!   `to`, *without* retries, and stops at the first rate whose answers are more than
//!   `max_4xx_share` 4xx. The rate before is the last safe one; it fails when that is below
//!   `safe_rate_at_least`.
//!
//! Each request is one entry in the case's steps (so throttling counts add up in reports),
//! and a line of notes says what was measured.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{Map, Value};

use crate::check::Mismatch;
use crate::execute::{
    CaseOutcome, CaseRun, FailureKind, SentStep, StepFailure, StepOutcome, round_ms,
};
use crate::suite::{Location, RampCheck, Step, ThrottleCheck};

/// One request of a load check: what happened, and why it failed if it did.
type Sent = (StepOutcome, Option<String>);

/// Whether a burst's requests are retried after a 429 or 5xx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retries {
    /// As the step says (`retry:`, default yes): a throttle check counts what gets through.
    AsTheStepSays,
    /// Never: a ramp counts every 4xx at each rate.
    None,
}

impl CaseRun<'_> {
    /// Runs a `throttle:` check on the case's one step.
    pub(crate) async fn throttle(&self, step: &Step, check: &ThrottleCheck) -> CaseOutcome {
        let mut outcome = CaseOutcome::default();
        let variables = match self.variables(step, &Map::new()) {
            Ok(variables) => variables,
            Err(e) => return outcome.failed(FailureKind::Template(e), Delivered::default()),
        };
        let started = Instant::now();
        let sent = self
            .burst(
                step,
                &variables,
                check.requests,
                check.rate,
                Retries::AsTheStepSays,
            )
            .await;
        let took = started.elapsed();
        let delivered = Delivered::of(&sent);
        let mut mismatches = Vec::new();
        let failed: Vec<&String> = sent.iter().filter_map(|(_, why)| why.as_ref()).collect();
        if let Some(first) = failed.first() {
            mismatches.push(mismatch(
                check.at,
                "throttle: every request succeeds in the end",
                format!("{} of {} succeeded", check.requests, check.requests),
                format!(
                    "{} failed; the first: {}",
                    failed.len(),
                    first.lines().next().unwrap_or_default()
                ),
            ));
        }
        if delivered.refused_waits > 0 {
            mismatches.push(mismatch(
                check.at,
                "throttle: every advertised Retry-After is waited for",
                "a retry after each Retry-After".into(),
                format!(
                    "{} request(s) gave up: ION asked for a wait longer than the client's cap",
                    delivered.refused_waits
                ),
            ));
        }
        if let Some(max) = check.max_throttled
            && delivered.throttled > max
        {
            mismatches.push(mismatch(
                check.at,
                "throttle: max_throttled",
                format!("at most {max} answers 429"),
                format!("{} answers 429", delivered.throttled),
            ));
        }
        if let Some(within) = check.within
            && took > within
        {
            mismatches.push(mismatch(
                check.at,
                "throttle: within",
                format!("at most {}", humantime::format_duration(within)),
                humantime::format_duration(round_ms(took)).to_string(),
            ));
        }
        outcome.notes.push(format!(
            "{} requests at {}/s: {} answer(s) 429 on the way; {} of them succeeded, in {}",
            check.requests,
            check.rate,
            delivered.throttled,
            check.requests as usize - failed.len(),
            humantime::format_duration(round_ms(took)),
        ));
        outcome.steps = sent.into_iter().map(|(ran, _)| ran).collect();
        if !mismatches.is_empty() {
            return outcome.failed(FailureKind::Mismatches(mismatches), delivered);
        }
        outcome
    }

    /// Runs a `ramp:` on the case's one step.
    pub(crate) async fn ramp(&self, step: &Step, check: &RampCheck) -> CaseOutcome {
        let mut outcome = CaseOutcome::default();
        let variables = match self.variables(step, &Map::new()) {
            Ok(variables) => variables,
            Err(e) => return outcome.failed(FailureKind::Template(e), Delivered::default()),
        };
        let mut safe = None;
        let mut over = None;
        let rates = (check.from..=check.to).step_by(check.by.max(1) as usize);
        for rate in rates {
            let sent = self
                .burst(step, &variables, check.requests, rate, Retries::None)
                .await;
            let client_errors = sent
                .iter()
                .filter(|(ran, _)| ran.status.is_some_and(|s| (400..500).contains(&s)))
                .count();
            let share = client_errors as f64 / f64::from(check.requests);
            outcome.steps.extend(sent.into_iter().map(|(ran, _)| ran));
            if share > check.max_4xx_share {
                over = Some((rate, share));
                break;
            }
            safe = Some(rate);
        }
        let safe_text = safe.map_or_else(|| "none".to_owned(), |r| format!("{r}/s"));
        outcome.notes.push(match over {
            Some((rate, share)) => format!(
                "ramp: last safe rate {safe_text}; at {rate}/s {:.0}% of answers were 4xx",
                share * 100.0
            ),
            None => format!("ramp: every rate up to {}/s was safe", check.to),
        });
        if let Some(least) = check.safe_rate_at_least
            && safe.is_none_or(|rate| rate < least)
        {
            let mismatch = mismatch(
                check.at,
                "ramp: safe_rate_at_least",
                format!("a last safe rate of at least {least}/s"),
                format!("{safe_text} ({})", outcome.notes[0]),
            );
            let delivered = Delivered::default();
            return outcome.failed(FailureKind::Mismatches(vec![mismatch]), delivered);
        }
        outcome
    }

    /// `requests` copies of the step, started one every `1/rate` s and run at once.
    async fn burst(
        &self,
        step: &Step,
        variables: &Map<String, Value>,
        requests: u32,
        rate: u32,
        retries: Retries,
    ) -> Vec<Sent> {
        let step = Step {
            retry: retries == Retries::AsTheStepSays && step.retry,
            ..step.clone()
        };
        let start = tokio::time::Instant::now();
        let interval = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
        let no_captures = Map::new();
        let sends = (0..requests).map(|i| {
            let step = &step;
            let no_captures = &no_captures;
            async move {
                tokio::time::sleep_until(start + interval * i).await;
                let SentStep { ran, judged } = self.send(step, variables, no_captures).await;
                let why = judged.err().map(|failed| failed.kind.summary());
                (ran, why)
            }
        });
        join_all(sends).await
    }
}

/// What the requests of a load check came to.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Delivered {
    throttled: u32,
    waited: Duration,
    refused_waits: u32,
}

impl Delivered {
    fn of(sent: &[Sent]) -> Delivered {
        let mut total = Delivered::default();
        for (ran, _) in sent {
            total.throttled += ran.delivery.throttled;
            total.waited += ran.delivery.waited;
            total.refused_waits += u32::from(ran.delivery.refused_wait.is_some());
        }
        total
    }
}

impl CaseOutcome {
    /// This outcome, failed at the case's one step for `kind`.
    fn failed(mut self, kind: FailureKind, delivered: Delivered) -> CaseOutcome {
        self.failure = Some(StepFailure {
            step: 0,
            kind,
            response: None,
            auth: None,
            status: None,
            delivery: crate::client::Delivery {
                throttled: delivered.throttled,
                waited: delivered.waited,
                ..Default::default()
            },
        });
        self
    }
}

fn mismatch(at: Location, subject: &str, expected: String, actual: String) -> Mismatch {
    Mismatch {
        at,
        checked: crate::check::Checked::Load,
        subject: subject.to_owned(),
        expected,
        actual,
    }
}
