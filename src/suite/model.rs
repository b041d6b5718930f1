//! The validated suite model: what a suite file means once it has been parsed and checked.
//!
//! Everything here has passed the loader: GraphQL operations validate against the double's
//! schema, JSONPaths parse, captures are defined before use. The runner and the checks read
//! these types and never see raw YAML.

use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;
use serde_json::{Map, Value};
use serde_json_path::JsonPath;

use crate::auth::AuthClass;

pub use crate::yaml::Location;

/// One suite file: a named group of cases.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The suite's id: its path relative to the suites directory, `/`-separated, without
    /// `.yaml` (`parts`, `inventory/by-location`). First part of every trial name.
    pub id: String,
    /// The file the suite was read from, as it was found (e.g. `suites/parts.yaml`).
    pub file: PathBuf,
    /// Human name (`name:`).
    pub name: String,
    /// Free text (`description:`).
    pub description: Option<String>,
    /// Tags for selection (`tags:`).
    pub tags: Vec<String>,
    /// Targets this suite may run on (`targets:`); `None` means every target.
    pub targets: Option<Vec<String>>,
    /// Extra snapshot redactions (`redact:`), applied after the built-in ones.
    pub redactions: Vec<Redaction>,
    /// How the ion-contract double it runs on must throttle (`double:`): the change
    /// `POST /__double/throttle` takes, sent before every case on the embedded double and on
    /// a local `serve`.
    pub double: Option<crate::double::ThrottleChange>,
    /// `fixture: chain`: the seeding chain (`suites/seed/chain.yaml`) is seeded before its
    /// cases run (on the trial's double, or once per process on a live target).
    pub seeds_chain: bool,
    /// `lock: <name>`: no two cases of suites with the same lock run at once, on one target
    /// (across threads and processes; see [`crate::lock`]).
    pub lock: Option<String>,
    /// The cases, in file order.
    pub cases: Vec<Case>,
}

/// An extra snapshot redaction: an insta selector (`.data.parts.edges[].node.cost`) and the
/// placeholder that replaces what it selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    /// insta selector, already checked to parse.
    pub selector: String,
    /// Replacement text, e.g. `[cost]`.
    pub replacement: String,
    /// Where it was declared.
    pub at: Location,
}

/// A case that drives its one step many times (`throttle:` or `ramp:`).
#[derive(Debug, Clone, PartialEq)]
pub enum LoadCheck {
    /// Many requests at a rate; every one must succeed in the end.
    Throttle(ThrottleCheck),
    /// Rising rates until the 4xx share passes a threshold.
    Ramp(RampCheck),
}

/// `throttle:`: send the step `requests` times at `rate` per second (bounded by the
/// target's `max_rps`), retrying as usual; then every request must have succeeded, none may
/// have been sent before an advertised `Retry-After`, at most `max_throttled` answers may
/// have been 429, and the whole may take at most `within`.
#[derive(Debug, Clone, PartialEq)]
pub struct ThrottleCheck {
    /// Requests to send.
    pub requests: u32,
    /// Requests per second.
    pub rate: u32,
    /// The most 429 answers allowed, over every attempt.
    pub max_throttled: Option<u32>,
    /// The longest the whole may take.
    pub within: Option<std::time::Duration>,
    /// Where it is written.
    pub at: Location,
}

/// `ramp:`: send the step `requests` times at `from` per second, then `from + by`, ... up to
/// `to`, without retries, and stop at the first rate whose answers are more than
/// `max_4xx_share` 4xx; the rate before it is the last safe one, which must be at least
/// `safe_rate_at_least` when given.
#[derive(Debug, Clone, PartialEq)]
pub struct RampCheck {
    /// The first rate.
    pub from: u32,
    /// The highest rate.
    pub to: u32,
    /// The step between rates.
    pub by: u32,
    /// Requests per rate.
    pub requests: u32,
    /// The 4xx share past which a rate is over the limit.
    pub max_4xx_share: f64,
    /// The last safe rate must be at least this.
    pub safe_rate_at_least: Option<u32>,
    /// Where it is written.
    pub at: Location,
}

/// One case: an ordered list of steps that share captures. One trial per case and target.
#[derive(Debug, Clone)]
pub struct Case {
    /// Unique within the suite; `[A-Za-z0-9][A-Za-z0-9_.-]*`.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Steps, run in order; the first failing step ends the case.
    pub steps: Vec<Step>,
    /// `cleanup:` steps, run after [`Case::steps`] whatever happened (see
    /// [`crate::execute`]); their indices in a failure follow the steps' (see
    /// [`Case::step_at`]).
    pub cleanup: Vec<Step>,
    /// A load check driving the case's one step, when it is one.
    pub load: Option<LoadCheck>,
    /// How the case's snapshot is stored and what it shows as it is.
    pub snapshot: CaseSnapshot,
    /// Where the case starts in the suite file.
    pub at: Location,
}

impl Case {
    /// Step `index` of the case's steps followed by its cleanup steps.
    pub fn step_at(&self, index: usize) -> Option<&Step> {
        match index.checked_sub(self.steps.len()) {
            Some(j) => self.cleanup.get(j),
            None => self.steps.get(index),
        }
    }

    /// Whether step `index` (as in [`Case::step_at`]) is a cleanup step.
    pub fn is_cleanup(&self, index: usize) -> bool {
        index >= self.steps.len()
    }
}

/// A case's snapshot options (see [`crate::redact::case_values`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseSnapshot {
    /// `shared_snapshot: true`: one snapshot, `@any`, for every target.
    pub shared: bool,
    /// `keep_in_snapshot:`: captures whose values the snapshot shows as they are.
    pub keep: Vec<String>,
}

/// One GraphQL request and what is expected of its response.
#[derive(Debug, Clone)]
pub struct Step {
    /// `name:` if given, else `step-<n>` (1-based).
    pub name: String,
    /// Where the step starts in the suite file.
    pub at: Location,
    /// Whose credentials the request carries (`as:`); `None` means the target's own.
    pub profile: Option<Profile>,
    /// The operation to send.
    pub operation: Operation,
    /// Variables to send; strings may hold `${capture}` / `${env:NAME}` templates that are
    /// resolved just before the request.
    pub variables: Map<String, Value>,
    /// Whether the client may retry the request (`retry: false` observes raw 429s and 5xx).
    pub retry: bool,
    /// Expectations on the response.
    pub expect: Expect,
    /// Values to capture from the response's `data` for later steps.
    pub captures: Vec<Capture>,
    /// `Some(key)` when the response is recorded in the case's snapshot under `key`
    /// (`snapshot: true` uses the step name).
    pub snapshot: Option<String>,
    /// The webhook event the step's change must fire (`expect_webhook:`).
    pub expect_webhook: Option<WebhookExpectation>,
    /// How long the step may take, retries included (`timeout:`); `None`: the target's
    /// `step_timeout`.
    pub timeout: Option<Duration>,
    /// The fault the double injects into the step's request (`fault:`): the rule
    /// `POST /__double/faults` takes (see [`crate::double::fault`]).
    pub fault: Option<crate::double::FaultRule>,
}

/// A webhook event a step's change must fire (`expect_webhook:`), checked after the step's
/// own expectations (see [`crate::webhook`]).
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookExpectation {
    /// ION's `ResourceEnum` value, e.g. `PARTS`.
    pub resource: String,
    /// `CREATE`, `UPDATE` or `DELETE`.
    pub action: String,
    /// The changed row's id, when given; may hold `${capture}` templates.
    pub id: Option<Value>,
    /// How long the events may take.
    pub within: Duration,
    /// Whether every delivery's `x-ion-signature` must verify.
    pub signature: bool,
    /// Exactly this many events.
    pub events: u32,
    /// Exactly this many deliveries of each event, when given.
    pub deliveries: Option<u32>,
    /// The sink's answers to an event's deliveries in turn, the last repeating.
    pub sink_answers: Vec<u16>,
    /// Where it is written.
    pub at: Location,
}

/// Whose credentials a step's request carries (`as:`).
///
/// A reserved name wins over a target of the same name: `as: expired` always means
/// [`Profile::Expired`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Profile {
    /// The credentials of the named target (`as: production`).
    Target(String),
    /// No `Authorization` header (`as: anonymous`).
    Anonymous,
    /// A token ION cannot parse (`as: malformed`).
    Malformed,
    /// A token the target's environment issued that has expired (`as: expired`).
    Expired,
    /// A well-formed JWT from an issuer that is no ION environment (`as: unknown-issuer`).
    UnknownIssuer,
    /// An API key of the target's environment that may only read (`as: reader`).
    Reader,
    /// An API key of the target's environment that may read, create and update, but not
    /// delete (`as: editor`).
    Editor,
}

impl Profile {
    /// The reserved profile names, which are not targets.
    pub const RESERVED: [&'static str; 6] = [
        "anonymous",
        "malformed",
        "expired",
        "unknown-issuer",
        "reader",
        "editor",
    ];

    /// The reserved profile called `name`, if it is one.
    pub fn reserved(name: &str) -> Option<Profile> {
        [
            Profile::Anonymous,
            Profile::Malformed,
            Profile::Expired,
            Profile::UnknownIssuer,
            Profile::Reader,
            Profile::Editor,
        ]
        .into_iter()
        .find(|p| p.name() == name)
    }

    /// The name written after `as:` (a target's name, or a reserved name).
    pub fn name(&self) -> &str {
        match self {
            Profile::Target(name) => name,
            Profile::Anonymous => "anonymous",
            Profile::Malformed => "malformed",
            Profile::Expired => "expired",
            Profile::UnknownIssuer => "unknown-issuer",
            Profile::Reader => "reader",
            Profile::Editor => "editor",
        }
    }
}

/// Query or mutation (subscriptions are rejected by the loader).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    /// A read.
    Query,
    /// A write; refused on read-only targets.
    Mutation,
}

/// A GraphQL operation, already validated against the double's schema.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The GraphQL document text sent as `query`.
    pub source: String,
    /// The operation to run (`operationName`), when the document names one.
    pub operation_name: Option<String>,
    /// Query or mutation.
    pub kind: OperationKind,
    /// The root fields it selects (`createPart`, `parts`), by name, not alias.
    pub root_fields: Vec<String>,
    /// The `.graphql` file it came from (`document:`), or `None` for an inline `query:`.
    pub document: Option<PathBuf>,
}

/// What a step expects of the response.
#[derive(Debug, Clone)]
pub struct Expect {
    /// HTTP status; `None` when it is not checked. The loader fills in 200 when a step
    /// gives neither `status:` nor `auth:`.
    pub status: Option<u16>,
    /// The class of authorisation failure the response must be (`auth:`); `None` when the
    /// step does not expect a refusal.
    pub auth: Option<AuthClass>,
    /// GraphQL `errors`.
    pub errors: ErrorsExpectation,
    /// What the response's `Retry-After` header must be (`retry_after:`).
    pub retry_after: Option<RetryAfterExpectation>,
    /// JSONPath assertions on `data`.
    pub data: Vec<DataAssertion>,
    /// `failure:`: the step must fail, as this class (see [`crate::outcome::FailureClass`]).
    pub failure: Option<crate::outcome::FailureClass>,
}

/// What a step expects of the `Retry-After` header (of a 429, usually with `retry: false`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfterExpectation {
    /// `present`: the header is there and readable (delta-seconds or an HTTP-date).
    Present,
    /// `absent`: no header.
    Absent,
    /// `"<= 5s"`: there, and asking for no longer than this.
    AtMost(std::time::Duration),
}

/// What a step expects of the response's `errors` array.
#[derive(Debug, Clone)]
pub enum ErrorsExpectation {
    /// No `errors` (or an empty array). The default, unless the step gives `auth:`.
    None,
    /// Not checked: the default when the step gives `auth:` and no `errors:`.
    Unchecked,
    /// At least one error, any message.
    Any,
    /// Each matcher must match a distinct error, and there must be at least one error.
    Match(Vec<ErrorMatcher>),
}

/// Matches one GraphQL error; every field that is set must hold.
#[derive(Debug, Clone)]
pub struct ErrorMatcher {
    /// Exact message.
    pub message: Option<String>,
    /// Substring of the message.
    pub contains: Option<String>,
    /// `extensions.code`.
    pub code: Option<String>,
    /// The error's `path`, e.g. `["updatePart"]`.
    pub path: Option<Vec<Value>>,
    /// Where the matcher was declared.
    pub at: Location,
}

/// A parsed JSONPath (RFC 9535) evaluated against the response's `data` object.
#[derive(Debug, Clone)]
pub struct DataPath {
    /// As written in the suite (`$.parts.edges[0].node.id`).
    pub raw: String,
    /// Parsed form.
    pub path: JsonPath,
    /// A singular query selects at most one node: predicates test that node's value. A
    /// non-singular one (wildcards, slices, filters, descendants) selects a list: predicates
    /// test the JSON array of every selected value.
    pub singular: bool,
}

/// A JSONPath and the predicates its value must satisfy (all of them).
#[derive(Debug, Clone)]
pub struct DataAssertion {
    /// What to test.
    pub path: DataPath,
    /// Predicates, all of which must hold.
    pub predicates: Vec<Predicate>,
    /// Where the assertion was declared.
    pub at: Location,
}

/// The JSON types `type:` can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    /// A JSON string.
    String,
    /// Any JSON number.
    Number,
    /// A number without a fractional part.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// A JSON object.
    Object,
    /// A JSON array.
    Array,
    /// `null`.
    Null,
}

/// One check on the value a [`DataPath`] selects.
#[derive(Debug, Clone)]
pub enum Predicate {
    /// Equal as JSON (numbers compare by value). String templates are resolved first.
    Equals(Value),
    /// `exists: true`: the path selects something (a singular path: a node, even `null`;
    /// a list path: at least one node). `exists: false` is the same as `absent: true`.
    Exists(bool),
    /// `absent: true`: the path selects nothing.
    Absent(bool),
    /// The value's JSON type.
    Type(JsonType),
    /// A string value matching the regex (unanchored; use `^...$` to anchor).
    Matches(Regex),
    /// Length of a string (in chars), array or object.
    Length(u64),
    /// Numeric lower bound (inclusive).
    Min(f64),
    /// Numeric upper bound (inclusive).
    Max(f64),
    /// An array contains an element equal to this, an object has this key, or a string
    /// contains this substring.
    Contains(Value),
    /// Equal to one of these.
    OneOf(Vec<Value>),
}

/// `capture: {name: path}`: the value the path selects, for `${name}` in later steps.
#[derive(Debug, Clone)]
pub struct Capture {
    /// Name used as `${name}`.
    pub name: String,
    /// Must select exactly one node at run time, or the step fails saying so.
    pub path: DataPath,
    /// Where the capture was declared.
    pub at: Location,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_profile_names_round_trip() {
        for name in Profile::RESERVED {
            assert_eq!(
                Profile::reserved(name).map(|p| p.name().to_owned()),
                Some(name.to_owned())
            );
        }
        assert_eq!(Profile::reserved("production"), None);
        assert_eq!(Profile::Target("production".into()).name(), "production");
    }
}
