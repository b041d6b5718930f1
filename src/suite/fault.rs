//! A step's `fault:` and `timeout:`.
//!
//! `fault: {kind, status, delay, times}` becomes the rule the double's `POST
//! /__double/faults` takes ([`crate::double::fault`]), checked here with the double's own
//! reader so a suite cannot hold a rule the double would refuse. It applies to the step's
//! next `times` requests (default 1: a retry of a query then gets a normal answer).

use std::time::Duration;

use serde_json::{Map, Value};

use crate::double::fault::FaultRule;
use crate::suite::format::{FaultSpec, Spanned};
use crate::suite::throttle::{duration, whole};
use crate::suite::validate::Validator;
use crate::yaml::source::Pos;

/// The longest `timeout:` a step may have.
const MAX_TIMEOUT: Duration = Duration::from_secs(3600);

impl Validator<'_> {
    /// Reads a step's `fault:` into the double's rule.
    pub(crate) fn fault(&mut self, spec: &Spanned<FaultSpec>) -> Option<FaultRule> {
        let before = self.diags.len();
        let s = &spec.value;
        let mut rule = Map::new();
        rule.insert("kind".into(), s.kind.value.trim().into());
        if let Some(status) = &s.status {
            rule.insert("status".into(), status.to_json());
        }
        if let Some(delay) = &s.delay
            && let Some(delay) = duration(self, delay, "delay")
        {
            let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
            rule.insert("delay_ms".into(), ms.into());
        }
        let times = s
            .times
            .as_ref()
            .map_or(1, |n| whole(self, n, "times", (1, 100)));
        rule.insert("times".into(), times.into());
        if self.diags.len() != before {
            return None;
        }
        let problem = match FaultRule::from_json(&Value::Object(rule)) {
            Ok(rule) => return Some(rule),
            Err(problem) => problem.to_string().replace("`delay_ms`", "`delay`"),
        };
        self.diags.push(
            self.src
                .diag(Pos::from(spec.referenced), format!("this fault is not one the double can inject: {problem}"))
                .with_help("e.g. `fault: {kind: status, status: 502}`, `fault: {kind: delay, delay: 2s}` or `fault: {kind: reset-after-headers}`"),
        );
        None
    }

    /// Reads a step's `timeout:`.
    pub(crate) fn step_timeout(&mut self, spec: &Spanned<String>) -> Option<Duration> {
        let limit = duration(self, spec, "timeout")?;
        if limit.is_zero() || limit > MAX_TIMEOUT {
            self.diags.push(
                self.src
                    .diag(
                        Pos::from(spec.referenced),
                        format!("`timeout: {}` is out of range", spec.value.trim()),
                    )
                    .with_help(
                        "give the step more than nothing and at most 1h, e.g. `timeout: 5s`",
                    ),
            );
            return None;
        }
        Some(limit)
    }
}
