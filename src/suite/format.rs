//! The on-disk shape of a suite file, as serde reads it. Nothing here is checked beyond types.
//!
//! Every value a diagnostic may point at is wrapped in [`Spanned`] (serde-saphyr's, re-wrapped
//! so that this crate can implement traits for it), or is a [`Node`] (which carries its own
//! position). serde-saphyr loses spans inside `#[serde(flatten)]` and untagged enums, so this
//! module uses neither:
//!
//! - predicates are a struct of optional fields ([`AssertionSpec`]); "at least one" is checked
//!   by the validator;
//! - the two "either/or" values (`errors: none | any | [matchers]` and
//!   `snapshot: true | "key"`) have hand-written `Deserialize` impls driven by the YAML node's
//!   own type, so the list and its items keep their spans;
//! - free-form JSON values (`variables`, `equals`, ...) are [`Node`]s: a JSON-like tree in
//!   which every node and every mapping key has a position;
//! - mappings with user-chosen keys (`variables`, `capture`, `redact`) are [`Entries`], an
//!   ordered list of spanned keys and values (file order is kept, duplicates are visible).
//!
//! `equals: null` must mean "equals JSON null", not "no `equals`": those fields use
//! [`present`], which turns a key that is there into `Some` whatever its value.
//!
//! The types also derive schemars' `JsonSchema`: [`super::json_schema()`] makes the suite
//! files' JSON Schema (`suites/suite.schema.json`) from them. Their doc comments are its
//! descriptions, which editors show to suite authors: keep them short and about the key.
//! The `#[schemars(...)]` attributes add what the loader checks exactly (enums, ranges,
//! patterns, "`query` or `document`") and take their values from the checking code where
//! it has them.

use std::fmt;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

use crate::auth::AuthClass;
use crate::outcome::FailureClass;
use crate::suite::expect::{STATUS_CODES, TYPES};
use crate::suite::json_schema::{Decimal, Integer};
use crate::suite::template::NAME_PATTERN;
use crate::suite::throttle::{BUCKET, RATES, RETRY_AFTER_MODES, STORM_MS, THROTTLED};
use crate::suite::validate::FILE_NAME_PATTERN;
use crate::suite::webhook::{DELIVERIES, SIGNATURE_CHECKS, WEBHOOK_ACTIONS, WEBHOOK_EVENTS};
pub(crate) use crate::yaml::{Entries, Entry, Node, NodeValue, Spanned};

/// An ion-contract suite: named cases of GraphQL steps and what their responses must be.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "ion-contract suite")]
pub(crate) struct SuiteFile {
    /// The suite's name, shown in reports (`name: Parts`).
    #[schemars(length(min = 1))]
    pub name: Spanned<String>,
    /// What the suite covers, in a sentence.
    pub description: Option<Spanned<String>>,
    /// Labels to select suites by (`run --tag smoke`), e.g. `[parts, read]`.
    #[schemars(extend("uniqueItems" = true), inner(length(min = 1)))]
    pub tags: Option<Spanned<Vec<Spanned<String>>>>,
    /// The targets the suite may run on, e.g. `[mock, sandbox]`; default: every target.
    #[schemars(length(min = 1), extend("uniqueItems" = true), inner(length(min = 1)))]
    pub targets: Option<Spanned<Vec<Spanned<String>>>>,
    /// Snapshot redactions: an insta selector and its placeholder, e.g.
    /// `".case.list.data.parts.edges[].node.cost": "[cost]"`.
    pub redact: Option<Spanned<Entries<Spanned<String>>>>,
    /// How the ion-contract double throttles while this suite runs on it (ignored on ION).
    pub double: Option<Spanned<DoubleSpec>>,
    /// Data to seed before the cases run: `chain` seeds `suites/seed/chain.yaml`.
    #[schemars(extend("enum" = ["chain"]))]
    pub fixture: Option<Spanned<String>>,
    /// A lock name: cases of suites with the same lock never run at the same time.
    #[schemars(regex(pattern = FILE_NAME_PATTERN))]
    pub lock: Option<Spanned<String>>,
    /// The cases; each runs as one test per target (`<suite>::<case>::<target>`).
    #[schemars(length(min = 1))]
    pub cases: Spanned<Vec<Spanned<CaseSpec>>>,
}

/// How the ion-contract double behaves while the suite runs on it (on the embedded double
/// and on `ion-contract serve`; suites with `double:` are ignored on ION).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Double")]
pub(crate) struct DoubleSpec {
    /// The double's rate limit: a token bucket per API key.
    pub throttle: Option<Spanned<DoubleThrottleSpec>>,
    /// A storm of HTTP 429 answers, by count (`next`) or by time (`for_ms`).
    pub storm: Option<Spanned<StormSpec>>,
}

/// The double's token bucket per API key, e.g. `{per_second: 5, burst: 2, retry_after: seconds}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "DoubleThrottle")]
pub(crate) struct DoubleThrottleSpec {
    /// Requests per second the bucket refills.
    #[schemars(with = "Integer", range(min = BUCKET.0, max = BUCKET.1))]
    pub per_second: Node,
    /// Requests the bucket holds; default: `per_second`.
    #[schemars(with = "Option<Integer>", range(min = BUCKET.0, max = BUCKET.1))]
    pub burst: Option<Node>,
    /// The 429's `Retry-After`: `seconds` (`Retry-After: 2`), `http-date` or `absent`.
    #[schemars(extend("enum" = RETRY_AFTER_MODES))]
    pub retry_after: Option<Spanned<String>>,
}

/// A storm of 429 answers: the next N requests (`next`) or every request for T milliseconds
/// (`for_ms`); exactly one of the two.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Storm")]
#[schemars(extend("oneOf" = [{"required": ["next"]}, {"required": ["for_ms"]}]))]
pub(crate) struct StormSpec {
    /// Answer the next N requests with 429.
    #[schemars(with = "Option<Integer>", range(min = BUCKET.0, max = BUCKET.1))]
    pub next: Option<Node>,
    /// Answer every request with 429 for this many milliseconds.
    #[schemars(with = "Option<Integer>", range(min = STORM_MS.0, max = STORM_MS.1))]
    pub for_ms: Option<Node>,
}

/// Sends the case's one step many times at a rate (retrying as usual): every request must
/// succeed in the end, e.g. `{requests: 20, rate: 10, max_throttled: 5, within: 10s}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Throttle")]
pub(crate) struct ThrottleSpec {
    /// How many requests to send.
    #[schemars(with = "Integer", range(min = RATES.0, max = RATES.1))]
    pub requests: Node,
    /// Requests per second.
    #[schemars(with = "Integer", range(min = RATES.0, max = RATES.1))]
    pub rate: Node,
    /// At most this many answers, over every attempt, may be 429.
    #[schemars(with = "Option<Integer>", range(min = THROTTLED.0, max = THROTTLED.1))]
    pub max_throttled: Option<Node>,
    /// The whole may take at most this long, e.g. `10s` or `1500ms`.
    pub within: Option<Spanned<String>>,
}

/// Sends the case's one step at rising rates, without retries, until the share of 4xx
/// answers passes a limit, e.g. `{from: 2, to: 10, by: 2, requests: 10, max_4xx_share: 0.2}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Ramp")]
pub(crate) struct RampSpec {
    /// The first rate, in requests per second.
    #[schemars(with = "Integer", range(min = RATES.0, max = RATES.1))]
    pub from: Node,
    /// The highest rate, in requests per second (at least `from`).
    #[schemars(with = "Integer", range(min = RATES.0, max = RATES.1))]
    pub to: Node,
    /// The step between rates; default 1.
    #[schemars(with = "Option<Integer>", range(min = RATES.0, max = RATES.1))]
    pub by: Option<Node>,
    /// Requests sent at each rate.
    #[schemars(with = "Integer", range(min = RATES.0, max = RATES.1))]
    pub requests: Node,
    /// The share of 4xx answers (0 to 1) past which a rate is too fast; default 0.1.
    #[schemars(with = "Option<Decimal>", range(min = 0, max = 1))]
    pub max_4xx_share: Option<Node>,
    /// The last safe rate (the one before the limit) must be at least this.
    #[schemars(with = "Option<Integer>", range(min = RATES.0, max = RATES.1))]
    pub safe_rate_at_least: Option<Node>,
}

/// A case: steps that run in order, sharing captures. A `throttle:` or `ramp:` case drives
/// exactly one step, and has not both.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Case")]
#[schemars(extend(
    "not" = {"required": ["throttle", "ramp"]},
    "dependentSchemas" = {
        "throttle": {"properties": {"steps": {"maxItems": 1}}},
        "ramp": {"properties": {"steps": {"maxItems": 1}}},
    },
))]
pub(crate) struct CaseSpec {
    /// Unique in the suite; part of test and snapshot names: letters, digits, `_`, `.`, `-`.
    #[schemars(regex(pattern = FILE_NAME_PATTERN))]
    pub name: Spanned<String>,
    /// What the case checks, in a sentence.
    pub description: Option<Spanned<String>>,
    /// Make this a throttling check of its one step.
    pub throttle: Option<Spanned<ThrottleSpec>>,
    /// Make this a ramp of its one step: find the rate where ION starts refusing.
    pub ramp: Option<Spanned<RampSpec>>,
    /// The steps, in order.
    #[schemars(length(min = 1))]
    pub steps: Spanned<Vec<Spanned<StepSpec>>>,
    /// Steps that run after the case whatever happened (a failure, a timeout, a refusal),
    /// with the captures set so far; one naming a capture that was never set is skipped.
    pub cleanup: Option<Spanned<Vec<Spanned<StepSpec>>>>,
    /// `true`: one snapshot for every target, `<suite>__<case>@any.snap`, for a case whose
    /// response does not depend on the target (its ids and run values are redacted anyway).
    pub shared_snapshot: Option<Spanned<bool>>,
    /// Captures whose values the snapshot shows as they are; by default every captured value
    /// appears as the template that names it (`"id": "${id}"`).
    pub keep_in_snapshot: Option<Spanned<Vec<Spanned<String>>>>,
}
/// A step: one GraphQL request (`query:` inline, or `document:` and `operation:`), what its
/// response must be, and values to capture for later steps.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Step")]
#[schemars(extend(
    "oneOf" = [{"required": ["query"]}, {"required": ["document"]}],
    "dependentRequired" = {"operation": ["document"]},
))]
pub(crate) struct StepSpec {
    /// Unique in the case; default `step-<n>`.
    #[schemars(length(min = 1))]
    pub name: Option<Spanned<String>>,
    /// Send other credentials: a target's name (`production`), or `anonymous` (no
    /// `Authorization`), `malformed`, `expired`, `unknown-issuer`, or `reader` / `editor` (an
    /// API key of the target's environment with fewer permissions).
    #[serde(rename = "as")]
    pub as_: Option<Spanned<String>>,
    /// The GraphQL operation, inline (one operation; use `|` for several lines).
    #[schemars(length(min = 1))]
    pub query: Option<Spanned<String>>,
    /// A `.graphql` file holding the operation, relative to this suite file.
    pub document: Option<Spanned<String>>,
    /// Which operation of the `document` to send, when it holds several.
    pub operation: Option<Spanned<String>>,
    /// The operation's variables, e.g. `{first: 2, after: "${cursor}"}`; strings may use
    /// `${capture}`, `${env:NAME}` and `${run.id}` / `${run.short}` (this run's id, e.g.
    /// `"PN-${run.id}"`); a `${fill:NAME}` placeholder is refused until replaced.
    pub variables: Option<Spanned<Entries<Node>>>,
    /// `false`: no retries, so the step sees a raw 429 or 5xx; default `true`.
    pub retry: Option<Spanned<bool>>,
    /// What the response must be; default: HTTP 200 and no GraphQL errors.
    pub expect: Option<Spanned<ExpectSpec>>,
    /// Values for later steps (`${name}`): a name and a JSONPath into `data`, e.g.
    /// `cursor: $.parts.pageInfo.endCursor`.
    #[schemars(extend("propertyNames" = {"pattern": NAME_PATTERN}))]
    pub capture: Option<Spanned<Entries<Spanned<String>>>>,
    /// Record the response as an insta snapshot: `true` (under the step's name) or a key.
    pub snapshot: Option<Spanned<SnapshotSpec>>,
    /// How long the step may take, retries included, e.g. `2s`; default: the target's
    /// `step_timeout`.
    pub timeout: Option<Spanned<String>>,
    /// A fault the ion-contract double injects into this step's request, e.g. `{kind:
    /// reset-after-headers}` or `{kind: status, status: 502, delay: 1s}`; on ION the case is
    /// not run.
    pub fault: Option<Spanned<FaultSpec>>,
    /// The webhook event this step's change must fire, e.g. `{resource: PARTS, action:
    /// CREATE, within: 2s, signature: valid}`: the harness registers a receiver and a
    /// subscription for the case and checks what arrives.
    pub expect_webhook: Option<Spanned<ExpectWebhookSpec>>,
}

/// A fault of the double for one step's request.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Fault")]
pub(crate) struct FaultSpec {
    /// What goes wrong.
    #[schemars(extend("enum" = crate::double::fault::KINDS))]
    pub kind: Spanned<String>,
    /// With `kind: status`: 500, 502, 503 or 504 (default 502).
    #[schemars(with = "Option<Integer>", extend("enum" = crate::double::fault::STATUSES))]
    pub status: Option<Node>,
    /// Wait this long before answering, e.g. `2s` (the whole fault for `kind: delay`).
    pub delay: Option<Spanned<String>>,
    /// The fault applies to this many requests (the step's retries included); default 1.
    #[schemars(with = "Option<Integer>", range(min = 1, max = 100))]
    pub times: Option<Node>,
}

/// A webhook event a step's change must fire, and how its deliveries must look.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ExpectWebhook")]
pub(crate) struct ExpectWebhookSpec {
    /// ION's `ResourceEnum` value, a table name such as `PARTS` or `RUNS`.
    pub resource: Spanned<String>,
    /// `CREATE`, `UPDATE` or `DELETE`.
    #[schemars(extend("enum" = WEBHOOK_ACTIONS))]
    pub action: Spanned<String>,
    /// The changed row's id (may use `${capture}`); default: any row.
    pub id: Option<Node>,
    /// How long the events may take to come, e.g. `2s`; default `5s`.
    pub within: Option<Spanned<String>>,
    /// `valid` (the default): every delivery is signed with the receiver's secret; `any`: not
    /// checked.
    #[schemars(extend("enum" = SIGNATURE_CHECKS))]
    pub signature: Option<Spanned<String>>,
    /// Exactly this many events; default 1.
    #[schemars(with = "Option<Integer>", range(min = WEBHOOK_EVENTS.0, max = WEBHOOK_EVENTS.1))]
    pub events: Option<Node>,
    /// Each event reaches the sink exactly this many times; default: at least once.
    #[schemars(with = "Option<Integer>", range(min = DELIVERIES.0, max = DELIVERIES.1))]
    pub deliveries: Option<Node>,
    /// The sink's answers to an event's deliveries in turn, the last repeating, e.g. `[500,
    /// 200]` to see ION deliver again; default `[200]`.
    #[schemars(with = "Option<Vec<Integer>>", length(min = 1, max = DELIVERIES.1))]
    pub sink_answers: Option<Spanned<Vec<Node>>>,
}

/// What a step's response must be.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Expect")]
pub(crate) struct ExpectSpec {
    /// The HTTP status; default 200 (not checked with `auth:` unless written).
    #[schemars(with = "Option<Integer>", range(min = STATUS_CODES.0, max = STATUS_CODES.1))]
    pub status: Option<Node>,
    /// Expect ION to refuse the request, for this reason.
    #[schemars(extend("enum" = AuthClass::ALL.map(AuthClass::name)))]
    pub auth: Option<Spanned<String>>,
    /// GraphQL errors: `none` (the default), `any`, or a list of matchers.
    pub errors: Option<Spanned<ErrorsSpec>>,
    /// The 429's `Retry-After` header: `present`, `absent`, or at most a duration (`"<= 5s"`).
    #[schemars(extend("anyOf" = [
        {"enum": ["present", "absent"]},
        {"type": "string", "pattern": "^\\s*<="},
    ]))]
    pub retry_after: Option<Spanned<String>>,
    /// Assertions on the response's `data`, each a JSONPath and predicates.
    pub data: Option<Spanned<Vec<Spanned<AssertionSpec>>>>,
    /// The step must fail, with this class (the other expectations are checked as written):
    /// e.g. `failure: reset` for a step the double's `fault:` breaks.
    #[schemars(extend("enum" = FailureClass::STEP.map(FailureClass::name)))]
    pub failure: Option<Spanned<String>>,
}

/// An assertion: a JSONPath (RFC 9535) into the response's `data` and at least one predicate.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Assertion", extend("minProperties" = 2))]
pub(crate) struct AssertionSpec {
    /// Where in `data`, e.g. `$.parts.pageInfo.count`.
    pub path: Spanned<String>,
    /// The value there equals this (any JSON value, `null` included).
    #[serde(default, deserialize_with = "present")]
    pub equals: Option<Node>,
    /// `true`: the path matches something; `false`: nothing.
    pub exists: Option<Spanned<bool>>,
    /// `true`: the path matches nothing.
    pub absent: Option<Spanned<bool>>,
    /// The value's JSON type.
    #[serde(rename = "type")]
    #[schemars(extend("enum" = TYPES.map(|(name, _)| name)))]
    pub type_: Option<Spanned<String>>,
    /// The value is a string this regex matches (Rust regex syntax), e.g. `'^PN-[0-9]+$'`.
    pub matches: Option<Spanned<String>>,
    /// The number of items of a list, keys of an object or characters of a string.
    #[schemars(with = "Option<Integer>", range(min = 0))]
    pub length: Option<Node>,
    /// The value is a number of at least this.
    #[schemars(with = "Option<Decimal>")]
    pub min: Option<Node>,
    /// The value is a number of at most this.
    #[schemars(with = "Option<Decimal>")]
    pub max: Option<Node>,
    /// A list holds this item, an object this key, or a string this text.
    #[serde(default, deserialize_with = "present")]
    pub contains: Option<Node>,
    /// The value equals one of these.
    #[schemars(length(min = 1))]
    pub one_of: Option<Spanned<Vec<Node>>>,
}

/// A GraphQL error the response must hold: at least one of `message`, `contains`, `code`,
/// `path`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ErrorMatcher", extend("minProperties" = 1))]
pub(crate) struct ErrorMatcherSpec {
    /// The error's whole message.
    pub message: Option<Spanned<String>>,
    /// Text in the error's message.
    pub contains: Option<Spanned<String>>,
    /// The error's `extensions.code`, e.g. `CONCURRENCY_CONFLICT`.
    pub code: Option<Spanned<String>>,
    /// The error's `path`: field names and list indices, e.g. `[parts, edges, 0, node]`.
    #[schemars(extend("items" = {"type": ["string", "integer"], "minimum": 0}))]
    pub path: Option<Spanned<Vec<Node>>>,
}

/// `errors:` is a keyword (`none`, `any`; checked by the validator) or a list of matchers.
#[derive(Debug)]
pub(crate) enum ErrorsSpec {
    Keyword(String),
    Matchers(Vec<Spanned<ErrorMatcherSpec>>),
}

/// `snapshot:` is a flag or a key.
#[derive(Debug)]
pub(crate) enum SnapshotSpec {
    Flag(bool),
    Key(String),
}

/// Deserializes a field that is present as `Some`, even when its value is `null`.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

impl<'de> Deserialize<'de> for ErrorsSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ErrorsSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`none`, `any` or a list of error matchers")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ErrorsSpec::Keyword(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(ErrorsSpec::Matchers(items))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for SnapshotSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = SnapshotSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`true`, `false` or a snapshot key")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(SnapshotSpec::Flag(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(SnapshotSpec::Key(v.to_owned()))
            }
        }
        deserializer.deserialize_any(V)
    }
}
