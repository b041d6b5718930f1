//! The options of `serve`, and the parsers of its values.

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use crate::double::serve::ServeOptions;
use crate::double::{DataShape, FaultRule, Limits, RetryAfter, ThrottleSpec};
use crate::record::RecordOptions;
use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser as _};

use super::{Files, Place};

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The sandbox's port; production listens on the next one. 0: two free ports.
    #[arg(long, value_name = "PORT", default_value_t = 4010)]
    pub port: u16,
    /// Serve HTTPS with a self-signed certificate for 127.0.0.1 and localhost.
    #[arg(long)]
    pub tls: bool,
    /// Where to write the certificate's PEM [default: <temp dir>/ion-contract-serve/cert.pem].
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub tls_cert: Option<PathBuf>,
    /// Throttle /graphql: N requests per second per API key (sustained), in both
    /// environments; beyond it, HTTP 429. No limit without it.
    #[arg(long, value_name = "N", value_parser = rate_limit)]
    pub rate_limit: Option<NonZeroU32>,
    /// How many requests a full bucket lets through back to back [default: the rate].
    #[arg(long, value_name = "N", requires = "rate_limit", value_parser = burst)]
    pub burst: Option<NonZeroU32>,
    /// How a 429 says when to come back: `Retry-After: <seconds>`, an HTTP-date, or no
    /// header (as ION documents none) [default: seconds].
    #[arg(
        long,
        value_name = "MODE",
        requires = "rate_limit",
        value_parser = PossibleValuesParser::new(RetryAfter::NAMES)
            .try_map(|name| name.parse::<RetryAfter>())
    )]
    pub retry_after: Option<RetryAfter>,
    /// Inject a fault into /graphql in both environments, as JSON, e.g.
    /// '{"kind": "status", "status": 502, "operation": "Parts", "times": 3}' (repeatable;
    /// kinds: delay, status, reset-before-headers, reset-after-headers, truncated-body,
    /// not-json, no-data-or-errors, partial-data).
    #[arg(long, value_name = "JSON", value_parser = fault_rule)]
    pub fault: Vec<FaultRule>,
    /// The deepest nesting of selections a request may have; deeper ones get 502 at once.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_depth,
        value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_depth: u32,
    /// How many values (fields and list items) one response may resolve; past it, 502.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_result_values,
        value_parser = clap::value_parser!(u64).range(1..))]
    pub max_result_values: u64,
    /// How long one request may run before it is stopped with 502, as ION's gateway does
    /// after 30 s [default: 30s].
    #[arg(long, value_name = "DURATION", value_parser = time_limit)]
    pub time_limit: Option<Duration>,
    /// How long a client may take to send a request's body before it gets 408 [default: 30s].
    #[arg(long, value_name = "DURATION", value_parser = time_limit)]
    pub body_time_limit: Option<Duration>,
    /// Record the operations clients send into this folder as suites, one case per session
    /// (`recorded.yaml` for sessions that only read, `recorded-writes.yaml` for those that
    /// write), with their documents; recording again merges into them.
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// With --record: keep the strings clients send (names, emails, free text) as they are,
    /// instead of per-run templates. Secrets are replaced even then.
    #[arg(long, requires = "record")]
    pub record_values: bool,
    /// With --record: the most steps one session records; later ones are counted, not
    /// recorded.
    #[arg(long, value_name = "N", requires = "record",
        default_value_t = crate::record::MAX_STEPS_PER_SESSION,
        value_parser = clap::value_parser!(u32).range(1..=100_000).map(|n| n as usize))]
    pub record_max_steps: usize,
    /// With --record: the most sessions (tokens) recorded; later ones are counted, not
    /// recorded.
    #[arg(long, value_name = "N", requires = "record",
        default_value_t = crate::record::MAX_SESSIONS,
        value_parser = clap::value_parser!(u32).range(1..=100_000).map(|n| n as usize))]
    pub record_max_sessions: usize,
    /// The schema and seed to serve.
    #[command(flatten)]
    pub files: Files,
    /// The data to serve: `demo`, `blank` or `snapshot` (see `run --help`) [default: demo].
    #[arg(long, value_name = "SHAPE", value_parser = super::data_shape())]
    pub data: Option<DataShape>,
}

impl ServeArgs {
    /// The same place `check` and `run` would read the schema and seed from.
    pub fn place(&self) -> Place {
        Place {
            files: self.files.clone(),
            snapshots: None,
            data: self.data,
        }
    }

    /// How `--record` records.
    pub fn record_options(&self) -> RecordOptions {
        RecordOptions {
            keep_values: self.record_values,
            max_steps_per_session: self.record_max_steps,
            max_sessions: self.record_max_sessions,
        }
    }

    /// How to listen.
    pub fn options(&self) -> ServeOptions {
        ServeOptions {
            port: self.port,
            tls: self.tls,
            tls_cert: self.tls_cert.clone(),
            throttle: self.rate_limit.map(|per_second| ThrottleSpec {
                per_second,
                burst: self.burst.unwrap_or(per_second),
                retry_after: self.retry_after.unwrap_or_default(),
            }),
            faults: self.fault.clone(),
            observer: None,
            limits: {
                let default = Limits::default();
                Limits {
                    max_depth: self.max_depth,
                    max_result_values: self.max_result_values,
                    time_limit: self.time_limit.unwrap_or(default.time_limit),
                    body_time_limit: self.body_time_limit.unwrap_or(default.body_time_limit),
                }
            },
        }
    }
}

/// `--time-limit`, `--body-time-limit`: a duration such as `30s`, `2m` or `500ms`, from 1 ms
/// to a day.
fn time_limit(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text.trim()) {
        Ok(limit) if limit >= Duration::from_millis(1) && limit <= Duration::from_secs(86_400) => {
            Ok(limit)
        }
        _ => Err("expected a duration from 1ms to 24h, e.g. 30s, 2m or 500ms".to_owned()),
    }
}

/// `--fault`: a fault rule as JSON.
fn fault_rule(text: &str) -> Result<FaultRule, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        format!("not JSON ({e}); write e.g. '{{\"kind\": \"status\", \"status\": 502}}'")
    })?;
    FaultRule::from_json(&value).map_err(|e| e.to_string())
}

/// `--rate-limit`: a whole number of requests per second, 1 or more.
fn rate_limit(text: &str) -> Result<NonZeroU32, String> {
    positive(text).ok_or_else(|| {
        format!(
            "expected a whole number of requests per second per API key, from 1 to {}; \
             to serve without a limit, leave out --rate-limit",
            u32::MAX
        )
    })
}

/// `--burst`: a whole number of requests, 1 or more.
fn burst(text: &str) -> Result<NonZeroU32, String> {
    positive(text).ok_or_else(|| {
        format!(
            "expected a whole number of requests a full bucket lets through, from 1 to {}; \
             leave out --burst for a burst of the rate",
            u32::MAX
        )
    })
}

fn positive(text: &str) -> Option<NonZeroU32> {
    text.trim().parse::<u32>().ok().and_then(NonZeroU32::new)
}
