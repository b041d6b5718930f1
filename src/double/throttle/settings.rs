//! The run-time settings of the throttle: the JSON body of `POST /__double/throttle`, checked
//! field by field, applied, and shown as the endpoint answers them.
//!
//! Every field is optional: `per_second` and `burst` (whole numbers from 1), `retry_after`
//! (`"seconds"`, `"http-date"`, `"absent"`), `off` (`true` removes the bucket and any storm;
//! alone), and `storm` (`{"next": N}`, `{"for_ms": T}`, or `null` to end one). An empty
//! body is `{}`: nothing changes, and the answer shows the settings. A body with any problem
//! is refused whole, with a message naming the field and what it accepts.

use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::{Limit, RetryAfter, State, Storm, ThrottleSpec};

/// The rate of a bucket created without `per_second`.
pub(super) const DEFAULT_PER_SECOND: NonZeroU32 = NonZeroU32::new(5).unwrap();

/// The longest storm `for_ms` accepts: one day.
pub(super) const MAX_STORM_MS: u64 = 24 * 60 * 60 * 1000;

/// The fields, in the order messages name them.
const FIELDS: &str = "per_second, burst, retry_after, off and storm";

/// A change of the throttle's settings: one body of `POST /__double/throttle`, also a suite's
/// `double:` and what `serve --rate-limit` sets. Unset fields keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThrottleChange {
    /// Remove the bucket and any storm (alone).
    pub off: bool,
    /// The bucket's rate, requests per second per API key.
    pub per_second: Option<NonZeroU32>,
    /// Requests a full bucket lets through at once.
    pub burst: Option<NonZeroU32>,
    /// How a 429 says when to come back.
    pub retry_after: Option<RetryAfter>,
    /// A storm to start; `Some(None)`: end the storm.
    pub storm: Option<Option<StormChange>>,
}

/// A storm asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StormChange {
    /// The next N requests.
    Next(u64),
    /// Every request for T milliseconds.
    ForMs(u64),
}

impl ThrottleChange {
    /// Reads a body; the error is the message for the 400.
    pub(super) fn parse(body: &[u8]) -> Result<ThrottleChange, String> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(ThrottleChange::default());
        }
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            format!(
                "The throttle settings are not JSON ({e}). Send an object such as \
                 {{\"per_second\": 5, \"burst\": 5, \"retry_after\": \"seconds\"}} or \
                 {{\"storm\": {{\"next\": 3}}}}."
            )
        })?;
        ThrottleChange::from_json(&value)
    }

    /// The body of `POST /__double/throttle` that asks for this change.
    pub fn to_json(&self) -> Value {
        let mut body = Map::new();
        if self.off {
            body.insert("off".into(), true.into());
        }
        if let Some(rate) = self.per_second {
            body.insert("per_second".into(), rate.get().into());
        }
        if let Some(burst) = self.burst {
            body.insert("burst".into(), burst.get().into());
        }
        if let Some(mode) = self.retry_after {
            body.insert("retry_after".into(), mode.name().into());
        }
        if let Some(storm) = self.storm {
            let storm = match storm {
                None => Value::Null,
                Some(StormChange::Next(n)) => json!({ "next": n }),
                Some(StormChange::ForMs(ms)) => json!({ "for_ms": ms }),
            };
            body.insert("storm".into(), storm);
        }
        Value::Object(body)
    }

    /// Reads a change from its JSON; the error names the field and what it accepts.
    pub fn from_json(value: &Value) -> Result<ThrottleChange, String> {
        let Value::Object(fields) = value else {
            return Err(format!(
                "The throttle settings must be a JSON object with any of {FIELDS}, not {}.",
                kind(value)
            ));
        };
        let mut change = ThrottleChange::default();
        for (name, value) in fields {
            match name.as_str() {
                "per_second" => {
                    change.per_second =
                        Some(positive(name, value, "requests per second per API key")?)
                }
                "burst" => {
                    change.burst = Some(positive(
                        name,
                        value,
                        "requests a full bucket lets through at once",
                    )?)
                }
                "retry_after" => change.retry_after = Some(retry_after(value)?),
                "off" => change.off = off(value)?,
                "storm" => change.storm = Some(storm(value)?),
                other => {
                    return Err(format!(
                        "Unknown field `{other}` in the throttle settings; the fields are {FIELDS}."
                    ));
                }
            }
        }
        if change.off && fields.len() > 1 {
            return Err(
                "`off: true` removes the limit and any storm; send it alone, then set the new \
                 per_second, burst, retry_after or storm in another request."
                    .to_owned(),
            );
        }
        Ok(change)
    }
}

impl State {
    /// Applies a checked change at `now`.
    pub(super) fn apply(&mut self, change: ThrottleChange, now: Instant) {
        if change.off {
            *self = State::default();
            return;
        }
        if change.per_second.is_some() || change.burst.is_some() || change.retry_after.is_some() {
            let current = self.limit.as_ref().map(|limit| limit.spec);
            let per_second = change
                .per_second
                .or(current.map(|c| c.per_second))
                .unwrap_or(DEFAULT_PER_SECOND);
            let burst = change
                .burst
                .or(current.map(|c| c.burst))
                .unwrap_or(per_second);
            let retry_after = change
                .retry_after
                .or(current.map(|c| c.retry_after))
                .unwrap_or_default();
            let spec = ThrottleSpec {
                per_second,
                burst,
                retry_after,
            };
            match &mut self.limit {
                Some(limit) if limit.spec.per_second == per_second && limit.spec.burst == burst => {
                    limit.spec.retry_after = retry_after;
                }
                _ => self.limit = Some(Limit::new(spec)),
            }
        }
        match change.storm {
            None => {}
            Some(None) => self.storm = None,
            Some(Some(StormChange::Next(n))) => self.storm = Some(Storm::Next(n)),
            Some(Some(StormChange::ForMs(ms))) => {
                let end = now.checked_add(Duration::from_millis(ms)).unwrap_or(now);
                self.storm = Some(Storm::Until(end));
            }
        }
    }

    /// The settings as the admin endpoint answers them (a storm's time left as of `now`).
    pub(super) fn to_json(&self, now: Instant) -> Value {
        let storm = match self.storm {
            Some(Storm::Next(n)) => json!({ "next": n }),
            Some(Storm::Until(end)) if now < end => {
                let left = end - now;
                let ms =
                    left.as_millis() + u128::from(!left.subsec_nanos().is_multiple_of(1_000_000));
                json!({ "for_ms": ms })
            }
            _ => Value::Null,
        };
        let mut settings = match &self.limit {
            Some(limit) => limit.spec.to_json(),
            None if storm.is_null() => return json!({ "throttle": null }),
            None => json!({
                "per_second": null,
                "burst": null,
                "retry_after": RetryAfter::Seconds.name(),
            }),
        };
        settings["storm"] = storm;
        settings
    }
}

fn positive(name: &str, value: &Value, meaning: &str) -> Result<NonZeroU32, String> {
    value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .and_then(NonZeroU32::new)
        .ok_or_else(|| {
            format!(
                "`{name}` must be a whole number from 1 to {} ({meaning}), not {value}.",
                u32::MAX
            )
        })
}

fn retry_after(value: &Value) -> Result<RetryAfter, String> {
    value
        .as_str()
        .and_then(|name| name.parse().ok())
        .ok_or_else(|| {
            format!(
                "`retry_after` must be \"seconds\" (delta-seconds), \"http-date\" (an HTTP-date) \
                 or \"absent\" (no Retry-After header), not {value}."
            )
        })
}

fn off(value: &Value) -> Result<bool, String> {
    value.as_bool().ok_or_else(|| {
        format!(
            "`off` must be true (remove the limit and any storm) or false (no change), not \
             {value}."
        )
    })
}

fn storm(value: &Value) -> Result<Option<StormChange>, String> {
    let fail = || {
        format!(
            "`storm` must be {{\"next\": N}} (the next N /graphql requests get 429), \
             {{\"for_ms\": T}} (every /graphql request for T milliseconds gets 429), with N \
             and T whole numbers from 1 (T at most {MAX_STORM_MS}), or null to end a storm; \
             not {value}."
        )
    };
    let fields: &Map<String, Value> = match value {
        Value::Null => return Ok(None),
        Value::Object(fields) if fields.len() == 1 => fields,
        _ => return Err(fail()),
    };
    let count = |v: &Value| v.as_u64().filter(|n| *n >= 1);
    match fields.iter().next() {
        Some((name, n)) if name == "next" => count(n).map(StormChange::Next),
        Some((name, t)) if name == "for_ms" => count(t)
            .filter(|t| *t <= MAX_STORM_MS)
            .map(StormChange::ForMs),
        _ => None,
    }
    .map(Some)
    .ok_or_else(fail)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::super::{STORM_WAIT, Throttle};
    use super::*;

    #[test]
    fn a_change_reads_back_from_the_body_it_writes() {
        for body in [
            json!({"per_second": 3, "burst": 6, "retry_after": "http-date", "storm": {"next": 2}}),
            json!({"storm": {"for_ms": 1500}}),
            json!({"storm": null}),
            json!({"off": true}),
            json!({}),
        ] {
            let change = ThrottleChange::from_json(&body).unwrap();
            assert_eq!(change.to_json(), body);
        }
    }

    fn error(body: &str) -> String {
        ThrottleChange::parse(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn every_field_parses() {
        let change = ThrottleChange::parse(
            br#"{"per_second": 2, "burst": 3, "retry_after": "absent", "storm": {"for_ms": 1500}}"#,
        );
        assert_eq!(
            change,
            Ok(ThrottleChange {
                off: false,
                per_second: NonZeroU32::new(2),
                burst: NonZeroU32::new(3),
                retry_after: Some(RetryAfter::Absent),
                storm: Some(Some(StormChange::ForMs(1500))),
            })
        );
        assert_eq!(ThrottleChange::parse(b"  "), Ok(ThrottleChange::default()));
        assert_eq!(
            ThrottleChange::parse(br#"{"storm": null}"#).map(|c| c.storm),
            Ok(Some(None))
        );
        assert_eq!(
            ThrottleChange::parse(br#"{"off": true}"#).map(|c| c.off),
            Ok(true)
        );
    }

    #[test]
    fn bad_bodies_name_the_field_and_the_valid_values() {
        for (body, field, valid) in [
            ("nope", "not JSON", "per_second"),
            ("[1]", "an array", "per_second, burst"),
            (
                r#"{"rate": 5}"#,
                "`rate`",
                "per_second, burst, retry_after, off and storm",
            ),
            (
                r#"{"per_second": 0}"#,
                "`per_second`",
                "from 1 to 4294967295",
            ),
            (r#"{"per_second": 1.5}"#, "`per_second`", "whole number"),
            (r#"{"burst": -1}"#, "`burst`", "from 1"),
            (r#"{"burst": 4294967296}"#, "`burst`", "4294967295"),
            (
                r#"{"retry_after": "date"}"#,
                "`retry_after`",
                "\"http-date\"",
            ),
            (r#"{"off": "yes"}"#, "`off`", "true"),
            (r#"{"off": true, "burst": 2}"#, "`off: true`", "alone"),
            (r#"{"storm": {"next": 0}}"#, "`storm`", "{\"next\": N}"),
            (r#"{"storm": {"for_ms": 86400001}}"#, "`storm`", "86400000"),
            (
                r#"{"storm": {"next": 1, "for_ms": 1}}"#,
                "`storm`",
                "for_ms",
            ),
            (r#"{"storm": {"after": 1}}"#, "`storm`", "or null"),
            (r#"{"storm": 3}"#, "`storm`", "{\"for_ms\": T}"),
        ] {
            let message = error(body);
            assert!(
                message.contains(field) && message.contains(valid),
                "{body}: {message}"
            );
        }
    }

    #[test]
    fn no_limit_lets_everything_through() {
        let throttle = Throttle::new(None);
        for _ in 0..100 {
            assert_eq!(throttle.check("a"), Ok(()));
        }
        assert_eq!(throttle.settings(), json!({ "throttle": null }));
    }

    #[test]
    fn a_storm_of_n_refuses_exactly_n_then_the_bucket_decides() {
        let throttle = Throttle::new(None);
        let settings = throttle.configure(br#"{"storm": {"next": 2}}"#).unwrap();
        assert_eq!(
            settings,
            json!({"per_second": null, "burst": null, "retry_after": "seconds", "storm": {"next": 2}})
        );
        for _ in 0..2 {
            let refused = throttle.check("a").unwrap_err();
            assert_eq!(refused.wait, STORM_WAIT);
        }
        assert_eq!(throttle.check("a"), Ok(()));
        assert_eq!(throttle.settings(), json!({ "throttle": null }));
    }

    #[test]
    fn settings_keep_unset_fields_and_create_a_bucket_with_defaults() {
        let throttle = Throttle::new(None);
        assert_eq!(
            throttle.configure(br#"{"retry_after": "http-date"}"#),
            Ok(json!({"per_second": 5, "burst": 5, "retry_after": "http-date", "storm": null}))
        );
        assert_eq!(
            throttle.configure(br#"{"burst": 9}"#),
            Ok(json!({"per_second": 5, "burst": 9, "retry_after": "http-date", "storm": null}))
        );
        assert_eq!(
            throttle.configure(br#"{"off": true}"#),
            Ok(json!({ "throttle": null }))
        );
        assert_eq!(
            throttle.configure(br#"{"per_second": 7}"#),
            Ok(json!({"per_second": 7, "burst": 7, "retry_after": "seconds", "storm": null})),
            "a new bucket's burst is its rate"
        );
        assert!(throttle.configure(br#"{"per_second": 0}"#).is_err());
        assert_eq!(
            throttle.settings()["per_second"],
            7,
            "a bad body changes nothing"
        );
    }
}
