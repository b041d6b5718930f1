//! A fault rule as one type: what `POST /__double/faults`, `serve --fault` and a suite step's
//! `fault:` all read, and what `GET /__double/faults` shows. Its JSON form is the table of
//! the module docs; [`FaultRule`] reads and writes it through serde, with messages that name
//! the field and say what fits ([`FaultRuleError`]).

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// The longest delay a rule may ask for.
pub const MAX_DELAY: Duration = Duration::from_secs(600);

/// The statuses a `status` fault may answer.
pub const STATUSES: [u16; 4] = [500, 502, 503, 504];

/// The status of a `status` fault that names none.
const DEFAULT_STATUS: u16 = 502;

/// The fields of a rule, in the order messages name them.
const FIELDS: [&str; 5] = ["kind", "status", "delay_ms", "operation", "times"];

/// One kind of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer normally, late.
    Delay,
    /// Answer this 5xx with a gateway's HTML page, without running the request.
    Status(u16),
    /// Close the connection without answering, without running the request.
    ResetBeforeHeaders,
    /// Run the request, send the headers and part of the body, then break the connection.
    ResetAfterHeaders,
    /// Run the request and send the first half of its JSON as the whole body.
    TruncatedBody,
    /// Run the request and answer 200 with an HTML page.
    NotJson,
    /// Run the request and answer 200 with JSON that has neither `data` nor `errors`.
    NoDataOrErrors,
    /// Run the request and answer one of its fields `null`, with an error for it.
    PartialData,
}

/// Every kind, in the order of [`KINDS`] (a `status` fault with the default status).
pub const ALL_KINDS: [FaultKind; 8] = [
    FaultKind::Delay,
    FaultKind::Status(DEFAULT_STATUS),
    FaultKind::ResetBeforeHeaders,
    FaultKind::ResetAfterHeaders,
    FaultKind::TruncatedBody,
    FaultKind::NotJson,
    FaultKind::NoDataOrErrors,
    FaultKind::PartialData,
];

/// The kinds' names in JSON and suites, from [`FaultKind::name`].
pub const KINDS: [&str; 8] = {
    let mut names = [""; 8];
    let mut i = 0;
    while i < ALL_KINDS.len() {
        names[i] = ALL_KINDS[i].name();
        i += 1;
    }
    names
};

impl FaultKind {
    /// Its name in JSON and suites.
    pub const fn name(self) -> &'static str {
        match self {
            FaultKind::Delay => "delay",
            FaultKind::Status(_) => "status",
            FaultKind::ResetBeforeHeaders => "reset-before-headers",
            FaultKind::ResetAfterHeaders => "reset-after-headers",
            FaultKind::TruncatedBody => "truncated-body",
            FaultKind::NotJson => "not-json",
            FaultKind::NoDataOrErrors => "no-data-or-errors",
            FaultKind::PartialData => "partial-data",
        }
    }

    /// Whether the request runs before the fault breaks the answer.
    pub fn runs_the_request(self) -> bool {
        !matches!(self, FaultKind::Status(_) | FaultKind::ResetBeforeHeaders)
    }

    /// The kind called `name`; a `status` fault answers `status`, else the default.
    fn named(name: &str, status: Option<u16>) -> Option<FaultKind> {
        let kind = ALL_KINDS.into_iter().find(|kind| kind.name() == name)?;
        Some(match kind {
            FaultKind::Status(default) => FaultKind::Status(status.unwrap_or(default)),
            other => other,
        })
    }
}

/// One rule: a fault, which requests it applies to, and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// What goes wrong.
    pub kind: FaultKind,
    /// Waited before answering.
    pub delay: Duration,
    /// Only requests of this operation name or root field.
    pub operation: Option<String>,
    /// Only this many more requests; `None`: every one.
    pub times: Option<u32>,
}

/// Why a JSON value is not a fault rule: the field, and what fits.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultRuleError {
    /// Not a JSON object.
    #[error("a fault is a JSON object, found {0}")]
    NotAnObject(Value),
    /// A field the rule does not have.
    #[error(
        "unknown fault field `{0}`; the fields are kind, status, delay_ms, operation and times"
    )]
    UnknownField(String),
    /// No `kind`, or not a string.
    #[error("a fault needs `kind`, one of {}", KINDS.join(", "))]
    NoKind,
    /// A `kind` no fault has.
    #[error("unknown fault kind `{0}`; use one of {kinds}", kinds = KINDS.join(", "))]
    UnknownKind(String),
    /// A `status` that is not one of [`STATUSES`].
    #[error("`status` must be 500, 502, 503 or 504, found {0}")]
    Status(Value),
    /// A `status` on a fault of another kind.
    #[error("`status` goes with `kind: status` only")]
    StatusOfAnotherKind,
    /// A `delay_ms` that is not a whole number up to [`MAX_DELAY`].
    #[error("`delay_ms` must be a whole number of milliseconds up to 600000, found {0}")]
    Delay(Value),
    /// A `delay` fault without a delay.
    #[error("a `delay` fault needs `delay_ms`, e.g. 3000")]
    NoDelay,
    /// An `operation` that is not a name.
    #[error("`operation` must be an operation name or root field, e.g. \"CreatePart\", found {0}")]
    Operation(Value),
    /// A `times` that is not a whole number from 1.
    #[error("`times` must be a whole number, 1 or more, found {0}")]
    Times(Value),
}

impl FaultRule {
    /// Reads a rule from its JSON; the error names the field and says what fits.
    pub fn from_json(value: &Value) -> Result<FaultRule, FaultRuleError> {
        let Some(fields) = value.as_object() else {
            return Err(FaultRuleError::NotAnObject(value.clone()));
        };
        if let Some(unknown) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(FaultRuleError::UnknownField(unknown.clone()));
        }
        let kind_name = fields
            .get("kind")
            .and_then(Value::as_str)
            .ok_or(FaultRuleError::NoKind)?;
        let status = fields
            .get("status")
            .map(|status| {
                status
                    .as_u64()
                    .and_then(|s| u16::try_from(s).ok())
                    .filter(|s| STATUSES.contains(s))
                    .ok_or_else(|| FaultRuleError::Status(status.clone()))
            })
            .transpose()?;
        let kind = FaultKind::named(kind_name, status)
            .ok_or_else(|| FaultRuleError::UnknownKind(kind_name.to_owned()))?;
        if status.is_some() && !matches!(kind, FaultKind::Status(_)) {
            return Err(FaultRuleError::StatusOfAnotherKind);
        }
        let delay = fields
            .get("delay_ms")
            .map(|ms| {
                ms.as_u64()
                    .map(Duration::from_millis)
                    .filter(|d| *d <= MAX_DELAY)
                    .ok_or_else(|| FaultRuleError::Delay(ms.clone()))
            })
            .transpose()?
            .unwrap_or(Duration::ZERO);
        if kind == FaultKind::Delay && delay.is_zero() {
            return Err(FaultRuleError::NoDelay);
        }
        let operation = match fields.get("operation") {
            None => None,
            Some(Value::String(name)) if !name.trim().is_empty() => Some(name.trim().to_owned()),
            Some(other) => return Err(FaultRuleError::Operation(other.clone())),
        };
        let times = fields
            .get("times")
            .map(|n| {
                n.as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| FaultRuleError::Times(n.clone()))
            })
            .transpose()?;
        Ok(FaultRule {
            kind,
            delay,
            operation,
            times,
        })
    }

    /// The rule as JSON, as `GET /__double/faults` shows it.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("kind".into(), self.kind.name().into());
        if let FaultKind::Status(status) = self.kind {
            out.insert("status".into(), status.into());
        }
        if !self.delay.is_zero() {
            let ms = u64::try_from(self.delay.as_millis()).unwrap_or(u64::MAX);
            out.insert("delay_ms".into(), ms.into());
        }
        if let Some(operation) = &self.operation {
            out.insert("operation".into(), operation.clone().into());
        }
        if let Some(times) = self.times {
            out.insert("times".into(), times.into());
        }
        Value::Object(out)
    }
}

impl Serialize for FaultRule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for FaultRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        FaultRule::from_json(&value).map_err(serde::de::Error::custom)
    }
}
