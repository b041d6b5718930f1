//! The suite format's keys, in one table: for each kind of mapping (the suite, a case, a
//! step, `expect`, a `data` assertion, an `errors` matcher), which keys it takes, which are
//! required, what their values must be and an example of each.
//!
//! [`super::shape`] walks a suite file with this table; the serde structs of
//! [`super::format`] must agree with it, which the unit test below checks against serde's own
//! list of fields.

/// The kinds of mapping a suite file contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ctx {
    Suite,
    Double,
    DoubleThrottle,
    Storm,
    Case,
    Throttle,
    Ramp,
    Step,
    Expect,
    ExpectWebhook,
    Fault,
    Assertion,
    ErrorMatcher,
}

/// What a key's value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A string (numbers and booleans are read as their text).
    Str,
    Bool,
    /// Any JSON-like value, `null` included.
    Any,
    /// Checked in detail by the validator (a number, an integer...): any scalar here.
    Scalar,
    StrList,
    /// A mapping from user keys to strings.
    StrMap,
    /// A mapping from user keys to any values.
    AnyMap,
    /// A list of any values.
    AnyList,
    Struct(Ctx),
    StructList(Ctx),
    /// `none`, `any` or a list of error matchers.
    Errors,
    /// `true`, `false` or a key.
    Snapshot,
}

pub(crate) struct Key {
    pub name: &'static str,
    pub required: bool,
    pub kind: Kind,
    pub example: &'static str,
}

const fn key(name: &'static str, kind: Kind, example: &'static str) -> Key {
    Key {
        name,
        required: false,
        kind,
        example,
    }
}

const fn required(name: &'static str, kind: Kind, example: &'static str) -> Key {
    Key {
        name,
        required: true,
        kind,
        example,
    }
}

const SUITE: &[Key] = &[
    required("name", Kind::Str, "name: Parts"),
    key("description", Kind::Str, "description: Reading parts"),
    key("tags", Kind::StrList, "tags: [parts, read]"),
    key("targets", Kind::StrList, "targets: [mock, sandbox]"),
    key(
        "redact",
        Kind::StrMap,
        "redact: {\".case.list.data.parts.edges[].node.cost\": \"[cost]\"}",
    ),
    key(
        "double",
        Kind::Struct(Ctx::Double),
        "double: {throttle: {per_second: 5, burst: 2, retry_after: seconds}}",
    ),
    key("fixture", Kind::Str, "fixture: chain"),
    key("lock", Kind::Str, "lock: parts-inventory"),
    required(
        "cases",
        Kind::StructList(Ctx::Case),
        "cases:\n  - name: list-parts\n    steps:\n      - query: \"query { me { id } }\"",
    ),
];

const CASE: &[Key] = &[
    required("name", Kind::Str, "name: list-paginates"),
    key(
        "description",
        Kind::Str,
        "description: Lists parts two at a time",
    ),
    key(
        "throttle",
        Kind::Struct(Ctx::Throttle),
        "throttle: {requests: 20, rate: 10, max_throttled: 5, within: 10s}",
    ),
    key(
        "ramp",
        Kind::Struct(Ctx::Ramp),
        "ramp: {from: 2, to: 10, by: 2, requests: 10, max_4xx_share: 0.2}",
    ),
    required(
        "steps",
        Kind::StructList(Ctx::Step),
        "steps:\n  - name: first-page\n    query: \"query { me { id } }\"",
    ),
    key(
        "cleanup",
        Kind::StructList(Ctx::Step),
        "cleanup:\n  - name: delete-part\n    query: \"mutation($id: ID!) { deletePart(id: $id) }\"\n    variables: {id: \"${part_id}\"}",
    ),
    key("shared_snapshot", Kind::Bool, "shared_snapshot: true"),
    key(
        "keep_in_snapshot",
        Kind::StrList,
        "keep_in_snapshot: [part_number]",
    ),
];

const STEP: &[Key] = &[
    key("name", Kind::Str, "name: first-page"),
    key("as", Kind::Str, "as: production"),
    key(
        "query",
        Kind::Str,
        "query: |\n  query FirstPage {\n    parts(first: 2) { edges { node { id } } }\n  }",
    ),
    key("document", Kind::Str, "document: queries/parts.graphql"),
    key("operation", Kind::Str, "operation: FirstPage"),
    key(
        "variables",
        Kind::AnyMap,
        "variables: {first: 2, after: \"${cursor}\"}",
    ),
    key("retry", Kind::Bool, "retry: false"),
    key(
        "expect",
        Kind::Struct(Ctx::Expect),
        "expect: {status: 200, errors: none}",
    ),
    key(
        "capture",
        Kind::StrMap,
        "capture: {cursor: $.parts.pageInfo.endCursor}",
    ),
    key("snapshot", Kind::Snapshot, "snapshot: true"),
    key("timeout", Kind::Str, "timeout: 2s"),
    key(
        "fault",
        Kind::Struct(Ctx::Fault),
        "fault: {kind: reset-after-headers}",
    ),
    key(
        "expect_webhook",
        Kind::Struct(Ctx::ExpectWebhook),
        "expect_webhook: {resource: PARTS, action: CREATE, within: 2s}",
    ),
];

const FAULT: &[Key] = &[
    required("kind", Kind::Str, "kind: status"),
    key("status", Kind::Scalar, "status: 502"),
    key("delay", Kind::Str, "delay: 2s"),
    key("times", Kind::Scalar, "times: 2"),
];

const EXPECT_WEBHOOK: &[Key] = &[
    required("resource", Kind::Str, "resource: PARTS"),
    required("action", Kind::Str, "action: CREATE"),
    key("id", Kind::Any, "id: ${part_id}"),
    key("within", Kind::Str, "within: 2s"),
    key("signature", Kind::Str, "signature: valid"),
    key("events", Kind::Scalar, "events: 1"),
    key("deliveries", Kind::Scalar, "deliveries: 2"),
    key("sink_answers", Kind::AnyList, "sink_answers: [500, 200]"),
];

const EXPECT: &[Key] = &[
    key("status", Kind::Scalar, "status: 200"),
    key("auth", Kind::Str, "auth: wrong-environment"),
    key("errors", Kind::Errors, "errors: none"),
    key("retry_after", Kind::Str, "retry_after: \"<= 5s\""),
    key(
        "data",
        Kind::StructList(Ctx::Assertion),
        "data:\n  - path: $.parts.pageInfo.count\n    equals: 2",
    ),
    key("failure", Kind::Str, "failure: reset"),
];

const DOUBLE: &[Key] = &[
    key(
        "throttle",
        Kind::Struct(Ctx::DoubleThrottle),
        "throttle: {per_second: 5, burst: 2, retry_after: seconds}",
    ),
    key("storm", Kind::Struct(Ctx::Storm), "storm: {next: 3}"),
];

const DOUBLE_THROTTLE: &[Key] = &[
    required("per_second", Kind::Scalar, "per_second: 5"),
    key("burst", Kind::Scalar, "burst: 2"),
    key("retry_after", Kind::Str, "retry_after: seconds"),
];

const STORM: &[Key] = &[
    key("next", Kind::Scalar, "next: 3"),
    key("for_ms", Kind::Scalar, "for_ms: 1500"),
];

const THROTTLE: &[Key] = &[
    required("requests", Kind::Scalar, "requests: 20"),
    required("rate", Kind::Scalar, "rate: 10"),
    key("max_throttled", Kind::Scalar, "max_throttled: 5"),
    key("within", Kind::Str, "within: 10s"),
];

const RAMP: &[Key] = &[
    required("from", Kind::Scalar, "from: 2"),
    required("to", Kind::Scalar, "to: 10"),
    key("by", Kind::Scalar, "by: 2"),
    required("requests", Kind::Scalar, "requests: 10"),
    key("max_4xx_share", Kind::Scalar, "max_4xx_share: 0.2"),
    key("safe_rate_at_least", Kind::Scalar, "safe_rate_at_least: 4"),
];

const ASSERTION: &[Key] = &[
    required("path", Kind::Str, "path: $.part.partNumber"),
    key("equals", Kind::Any, "equals: PN-1"),
    key("exists", Kind::Bool, "exists: true"),
    key("absent", Kind::Bool, "absent: true"),
    key("type", Kind::Str, "type: string"),
    key("matches", Kind::Str, "matches: '^PN-[0-9]+$'"),
    key("length", Kind::Scalar, "length: 2"),
    key("min", Kind::Scalar, "min: 1"),
    key("max", Kind::Scalar, "max: 100"),
    key("contains", Kind::Any, "contains: PN-1"),
    key("one_of", Kind::AnyList, "one_of: [PART, TOOL]"),
];

const ERROR_MATCHER: &[Key] = &[
    key("message", Kind::Str, "message: \"Part not found\""),
    key("contains", Kind::Str, "contains: not found"),
    key("code", Kind::Str, "code: CONCURRENCY_CONFLICT"),
    key("path", Kind::AnyList, "path: [updatePart]"),
];

impl Ctx {
    pub(crate) fn keys(self) -> &'static [Key] {
        match self {
            Ctx::Suite => SUITE,
            Ctx::Double => DOUBLE,
            Ctx::DoubleThrottle => DOUBLE_THROTTLE,
            Ctx::Storm => STORM,
            Ctx::Case => CASE,
            Ctx::Throttle => THROTTLE,
            Ctx::Ramp => RAMP,
            Ctx::Step => STEP,
            Ctx::Expect => EXPECT,
            Ctx::ExpectWebhook => EXPECT_WEBHOOK,
            Ctx::Fault => FAULT,
            Ctx::Assertion => ASSERTION,
            Ctx::ErrorMatcher => ERROR_MATCHER,
        }
    }

    /// Key names, in the order users see them.
    pub(crate) fn key_names(self) -> Vec<&'static str> {
        self.keys().iter().map(|k| k.name).collect()
    }

    /// "in a step", "in the suite", ...
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Ctx::Suite => "at the top of the suite",
            Ctx::Double => "in `double`",
            Ctx::DoubleThrottle => "in `double.throttle`",
            Ctx::Storm => "in `double.storm`",
            Ctx::Case => "in a case",
            Ctx::Throttle => "in `throttle`",
            Ctx::Ramp => "in `ramp`",
            Ctx::Step => "in a step",
            Ctx::Expect => "in `expect`",
            Ctx::ExpectWebhook => "in `expect_webhook`",
            Ctx::Fault => "in `fault`",
            Ctx::Assertion => "in a `data` assertion",
            Ctx::ErrorMatcher => "in an `errors` matcher",
        }
    }

    /// What one mapping of this context is called.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Ctx::Suite => "suite",
            Ctx::Double => "`double`",
            Ctx::DoubleThrottle => "`double.throttle`",
            Ctx::Storm => "`double.storm`",
            Ctx::Case => "case",
            Ctx::Throttle => "`throttle`",
            Ctx::Ramp => "`ramp`",
            Ctx::Step => "step",
            Ctx::Expect => "`expect`",
            Ctx::ExpectWebhook => "`expect_webhook`",
            Ctx::Fault => "`fault`",
            Ctx::Assertion => "assertion",
            Ctx::ErrorMatcher => "error matcher",
        }
    }

    /// Where keys of this context are written, for "belongs in ..." hints.
    pub(crate) fn home(self) -> &'static str {
        match self {
            Ctx::Suite => "at the top level of the file",
            Ctx::Double => "under the suite's `double:`",
            Ctx::DoubleThrottle => "under `double.throttle:`",
            Ctx::Storm => "under `double.storm:`",
            Ctx::Case => "in a case (an item of `cases:`)",
            Ctx::Throttle => "under a case's `throttle:`",
            Ctx::Ramp => "under a case's `ramp:`",
            Ctx::Step => "in a step (an item of `steps:`)",
            Ctx::Expect => "under a step's `expect:`",
            Ctx::ExpectWebhook => "under a step's `expect_webhook:`",
            Ctx::Fault => "under a step's `fault:`",
            Ctx::Assertion => "in an item of `expect.data:`",
            Ctx::ErrorMatcher => "in an item of `expect.errors:`",
        }
    }

    pub(crate) const ALL: [Ctx; 13] = [
        Ctx::Suite,
        Ctx::Double,
        Ctx::DoubleThrottle,
        Ctx::Storm,
        Ctx::Case,
        Ctx::Throttle,
        Ctx::Ramp,
        Ctx::Step,
        Ctx::Expect,
        Ctx::ExpectWebhook,
        Ctx::Fault,
        Ctx::Assertion,
        Ctx::ErrorMatcher,
    ];
}

pub(crate) fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::Str => "a string",
        Kind::Bool => "`true` or `false`",
        Kind::Any => "a value",
        Kind::Scalar => "a number",
        Kind::StrList => "a list of strings",
        Kind::StrMap => "a mapping of strings",
        Kind::AnyMap => "a mapping",
        Kind::AnyList => "a list",
        Kind::Struct(_) => "a mapping",
        Kind::StructList(_) => "a list",
        Kind::Errors => "`none`, `any` or a list of error matchers",
        Kind::Snapshot => "`true`, `false` or a snapshot key",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::format::{
        AssertionSpec, CaseSpec, DoubleSpec, DoubleThrottleSpec, ErrorMatcherSpec, ExpectSpec,
        ExpectWebhookSpec, FaultSpec, RampSpec, StepSpec, StormSpec, SuiteFile, ThrottleSpec,
    };

    /// The field list serde's `deny_unknown_fields` reports for `T`.
    fn serde_fields<T: for<'de> serde::Deserialize<'de> + std::fmt::Debug>() -> Vec<&'static str> {
        match serde_saphyr::from_str::<T>("zz_not_a_key: 1\n") {
            Err(e) => match e.without_snippet() {
                serde_saphyr::Error::SerdeUnknownField { expected, .. } => expected.clone(),
                other => panic!("unexpected error {other:?}"),
            },
            Ok(v) => panic!("accepted an unknown key: {v:?}"),
        }
    }

    #[test]
    fn table_matches_the_serde_structs() {
        assert_eq!(Ctx::Suite.key_names(), serde_fields::<SuiteFile>());
        assert_eq!(Ctx::Case.key_names(), serde_fields::<CaseSpec>());
        assert_eq!(Ctx::Double.key_names(), serde_fields::<DoubleSpec>());
        assert_eq!(
            Ctx::DoubleThrottle.key_names(),
            serde_fields::<DoubleThrottleSpec>()
        );
        assert_eq!(Ctx::Storm.key_names(), serde_fields::<StormSpec>());
        assert_eq!(Ctx::Throttle.key_names(), serde_fields::<ThrottleSpec>());
        assert_eq!(Ctx::Ramp.key_names(), serde_fields::<RampSpec>());
        assert_eq!(Ctx::Step.key_names(), serde_fields::<StepSpec>());
        assert_eq!(Ctx::Expect.key_names(), serde_fields::<ExpectSpec>());
        assert_eq!(
            Ctx::ExpectWebhook.key_names(),
            serde_fields::<ExpectWebhookSpec>()
        );
        assert_eq!(Ctx::Fault.key_names(), serde_fields::<FaultSpec>());
        assert_eq!(Ctx::Assertion.key_names(), serde_fields::<AssertionSpec>());
        assert_eq!(
            Ctx::ErrorMatcher.key_names(),
            serde_fields::<ErrorMatcherSpec>()
        );
    }
}
