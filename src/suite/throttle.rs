//! The suite format's throttling vocabulary:
//!
//! - `expect.retry_after`: `present` (the header is there), `absent` (it is not), or
//!   `"<= 5s"` (there, asking for at most that long; any duration `humantime` reads: `500ms`,
//!   `5s`, `1m`);
//! - a case's `throttle:` and `ramp:` checks;
//! - the suite's `double:`, how the ion-contract double it runs on throttles.

use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::double::ThrottleChange;
use crate::suite::format::{DoubleSpec, Node, NodeValue, RampSpec, Spanned, ThrottleSpec};
use crate::suite::model::{RampCheck, RetryAfterExpectation, ThrottleCheck};
use crate::suite::validate::Validator;
use crate::yaml::source::Pos;
use crate::yaml::suggest;

/// Reads `expect.retry_after`.
pub(crate) fn retry_after(
    v: &mut Validator<'_>,
    spec: &Spanned<String>,
) -> Option<RetryAfterExpectation> {
    let written = spec.value.trim();
    let parsed = match written {
        "present" => Ok(RetryAfterExpectation::Present),
        "absent" => Ok(RetryAfterExpectation::Absent),
        _ => match written.strip_prefix("<=") {
            Some(limit) => humantime::parse_duration(limit.trim())
                .map(RetryAfterExpectation::AtMost)
                .map_err(|e| format!("`{}` is not a duration: {e}", limit.trim())),
            None => Err(format!("unknown `retry_after` value '{written}'")),
        },
    };
    match parsed {
        Ok(expectation) => Some(expectation),
        Err(message) => {
            v.diags.push(
                v.src
                    .diag(Pos::from(spec.referenced), message)
                    .with_label("not a `retry_after` expectation")
                    .with_help(
                        "write `retry_after: present`, `retry_after: absent` or \
                         `retry_after: \"<= 5s\"`",
                    ),
            );
            None
        }
    }
}

/// Reads the suite's `double:` into the change of the double's throttle it asks for (the body
/// of `POST /__double/throttle`).
pub(crate) fn double(v: &mut Validator<'_>, spec: &Spanned<DoubleSpec>) -> Option<ThrottleChange> {
    let before = v.diags.len();
    let mut body = Map::new();
    if let Some(throttle) = &spec.value.throttle {
        let t = &throttle.value;
        let per_second = whole(v, &t.per_second, "per_second", BUCKET);
        body.insert("per_second".into(), json!(per_second));
        let burst = t
            .burst
            .as_ref()
            .map_or(per_second, |b| whole(v, b, "burst", BUCKET));
        body.insert("burst".into(), json!(burst));
        if let Some(mode) = &t.retry_after {
            match mode.value.as_str() {
                m @ ("seconds" | "http-date" | "absent") => {
                    body.insert("retry_after".into(), json!(m));
                }
                other => v.diags.push(
                    v.src
                        .diag(
                            Pos::from(mode.referenced),
                            format!(
                                "unknown `retry_after` mode '{other}'{}",
                                suggest::suffix(other, RETRY_AFTER_MODES)
                            ),
                        )
                        .with_help(
                            "`seconds` (Retry-After: 2), `http-date` (Retry-After: Tue, 24 Nov \
                             2026 10:00:02 GMT) or `absent` (no header)",
                        ),
                ),
            }
        }
    }
    if let Some(storm) = &spec.value.storm {
        let s = &storm.value;
        let storm_body = match (&s.next, &s.for_ms) {
            (Some(next), None) => json!({"next": whole(v, next, "next", BUCKET)}),
            (None, Some(ms)) => json!({"for_ms": whole(v, ms, "for_ms", STORM_MS)}),
            _ => {
                v.diags.push(
                    v.src
                        .diag(Pos::from(storm.referenced), "a storm needs exactly one of `next` and `for_ms`")
                        .with_help("`storm: {next: 3}` answers the next 3 requests 429; `storm: {for_ms: 1500}` answers every request 429 for 1.5 s"),
                );
                Value::Null
            }
        };
        body.insert("storm".into(), storm_body);
    }
    if v.diags.len() != before || body.is_empty() {
        return None;
    }
    match ThrottleChange::from_json(&Value::Object(body)) {
        Ok(change) => Some(change),
        Err(problem) => {
            // The checks above cover every field; a body the double refuses is a harness bug.
            v.diags
                .push(v.src.diag(Pos::from(spec.referenced), problem));
            None
        }
    }
}

pub(crate) const RETRY_AFTER_MODES: [&str; 3] = ["seconds", "http-date", "absent"];

/// Reads a case's `throttle:`.
pub(crate) fn throttle(
    v: &mut Validator<'_>,
    spec: &Spanned<ThrottleSpec>,
) -> Option<ThrottleCheck> {
    let before = v.diags.len();
    let s = &spec.value;
    let check = ThrottleCheck {
        requests: whole(v, &s.requests, "requests", RATES),
        rate: whole(v, &s.rate, "rate", RATES),
        max_throttled: s
            .max_throttled
            .as_ref()
            .map(|m| whole(v, m, "max_throttled", THROTTLED)),
        within: s.within.as_ref().and_then(|w| duration(v, w, "within")),
        at: Pos::from(spec.referenced).location(),
    };
    (v.diags.len() == before).then_some(check)
}

/// Reads a case's `ramp:`.
pub(crate) fn ramp(v: &mut Validator<'_>, spec: &Spanned<RampSpec>) -> Option<RampCheck> {
    let before = v.diags.len();
    let s = &spec.value;
    let from = whole(v, &s.from, "from", RATES);
    let to = whole(v, &s.to, "to", RATES);
    if v.diags.len() == before && to < from {
        v.diags.push(
            v.src
                .diag(s.to.at, format!("`to: {to}` is below `from: {from}`"))
                .with_help(
                    "a ramp rises: write `from` as the starting rate and `to` as the highest",
                ),
        );
    }
    let share = s.max_4xx_share.as_ref().map_or(DEFAULT_MAX_4XX_SHARE, |node| {
        match node.to_json().as_f64() {
            Some(share) if (0.0..=1.0).contains(&share) => share,
            _ => {
                v.diags.push(
                    v.src
                        .diag(node.at, format!("`max_4xx_share` must be a fraction from 0 to 1, found {}", node.to_json()))
                        .with_help("e.g. `max_4xx_share: 0.2`: a rate whose answers are more than 20% 4xx is past the limit"),
                );
                DEFAULT_MAX_4XX_SHARE
            }
        }
    });
    let check = RampCheck {
        from,
        to,
        by: s.by.as_ref().map_or(1, |b| whole(v, b, "by", RATES)),
        requests: whole(v, &s.requests, "requests", RATES),
        max_4xx_share: share,
        safe_rate_at_least: s
            .safe_rate_at_least
            .as_ref()
            .map(|n| whole(v, n, "safe_rate_at_least", RATES)),
        at: Pos::from(spec.referenced).location(),
    };
    (v.diags.len() == before).then_some(check)
}

/// The 4xx share past which a ramp stops, unless `max_4xx_share` says otherwise.
pub const DEFAULT_MAX_4XX_SHARE: f64 = 0.1;

/// The whole numbers, `(min, max)` inclusive, that rates and request counts take
/// (`requests`, `rate`, `from`, `to`, `by`, `safe_rate_at_least`); the suite schema says the
/// same.
pub(crate) const RATES: (u32, u32) = (1, 1_000);
/// The double's bucket (`per_second`, `burst`) and a storm's `next`.
pub(crate) const BUCKET: (u32, u32) = (1, 10_000);
/// A storm's `for_ms`.
pub(crate) const STORM_MS: (u32, u32) = (1, 600_000);
/// A throttle check's `max_throttled`.
pub(crate) const THROTTLED: (u32, u32) = (0, 100_000);

/// A whole number from `min` to `max` (a diagnostic and `min` otherwise).
pub(crate) fn whole(v: &mut Validator<'_>, node: &Node, name: &str, (min, max): (u32, u32)) -> u32 {
    let value = match &node.value {
        NodeValue::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        _ => None,
    };
    match value {
        Some(n) if (min..=max).contains(&n) => n,
        _ => {
            v.diags.push(
                v.src
                    .diag(
                        node.at,
                        format!(
                            "`{name}` must be a whole number from {min} to {max}, found {}",
                            node.to_json()
                        ),
                    )
                    .with_help(format!("write e.g. `{name}: {}`", min.max(1))),
            );
            min
        }
    }
}

pub(crate) fn duration(
    v: &mut Validator<'_>,
    spec: &Spanned<String>,
    name: &str,
) -> Option<Duration> {
    match humantime::parse_duration(spec.value.trim()) {
        Ok(d) => Some(d),
        Err(e) => {
            v.diags.push(
                v.src
                    .diag(
                        Pos::from(spec.referenced),
                        format!("`{name}` is not a duration: {e}"),
                    )
                    .with_help(format!("write e.g. `{name}: 10s` or `{name}: 1500ms`")),
            );
            None
        }
    }
}
