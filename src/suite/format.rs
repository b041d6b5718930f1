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

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Location;

pub(crate) use crate::suite::node::{Entry, Node, NodeValue};

/// A whole suite file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SuiteFile {
    pub name: Spanned<String>,
    pub description: Option<Spanned<String>>,
    pub tags: Option<Spanned<Vec<Spanned<String>>>>,
    pub targets: Option<Spanned<Vec<Spanned<String>>>>,
    pub redact: Option<Spanned<Entries<Spanned<String>>>>,
    pub double: Option<Spanned<DoubleSpec>>,
    pub fixture: Option<Spanned<String>>,
    pub lock: Option<Spanned<String>>,
    pub cases: Spanned<Vec<Spanned<CaseSpec>>>,
}

/// The suite's `double:`: how the ion-contract double it runs on behaves.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DoubleSpec {
    pub throttle: Option<Spanned<DoubleThrottleSpec>>,
    pub storm: Option<Spanned<StormSpec>>,
}

/// `double.throttle:`: the double's token bucket per API key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DoubleThrottleSpec {
    pub per_second: Node,
    pub burst: Option<Node>,
    pub retry_after: Option<Spanned<String>>,
}

/// `double.storm:`: 429 for the next N requests, or for T milliseconds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StormSpec {
    pub next: Option<Node>,
    pub for_ms: Option<Node>,
}

/// A case's `throttle:` check: its one step sent many times at a rate.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ThrottleSpec {
    pub requests: Node,
    pub rate: Node,
    pub max_throttled: Option<Node>,
    pub within: Option<Spanned<String>>,
}

/// A case's `ramp:` check: its one step at rising rates, until 4xx answers pass a share.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RampSpec {
    pub from: Node,
    pub to: Node,
    pub by: Option<Node>,
    pub requests: Node,
    pub max_4xx_share: Option<Node>,
    pub safe_rate_at_least: Option<Node>,
}

/// One item of `cases:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CaseSpec {
    pub name: Spanned<String>,
    pub description: Option<Spanned<String>>,
    pub throttle: Option<Spanned<ThrottleSpec>>,
    pub ramp: Option<Spanned<RampSpec>>,
    pub steps: Spanned<Vec<Spanned<StepSpec>>>,
}

/// One item of `steps:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StepSpec {
    pub name: Option<Spanned<String>>,
    #[serde(rename = "as")]
    pub as_: Option<Spanned<String>>,
    pub query: Option<Spanned<String>>,
    pub document: Option<Spanned<String>>,
    pub operation: Option<Spanned<String>>,
    pub variables: Option<Spanned<Entries<Node>>>,
    pub retry: Option<Spanned<bool>>,
    pub expect: Option<Spanned<ExpectSpec>>,
    pub capture: Option<Spanned<Entries<Spanned<String>>>>,
    pub snapshot: Option<Spanned<SnapshotSpec>>,
}

/// A step's `expect:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpectSpec {
    pub status: Option<Node>,
    pub auth: Option<Spanned<String>>,
    pub errors: Option<Spanned<ErrorsSpec>>,
    pub retry_after: Option<Spanned<String>>,
    pub data: Option<Spanned<Vec<Spanned<AssertionSpec>>>>,
}

/// One item of `expect.data:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssertionSpec {
    pub path: Spanned<String>,
    #[serde(default, deserialize_with = "present")]
    pub equals: Option<Node>,
    pub exists: Option<Spanned<bool>>,
    pub absent: Option<Spanned<bool>>,
    #[serde(rename = "type")]
    pub type_: Option<Spanned<String>>,
    pub matches: Option<Spanned<String>>,
    pub length: Option<Node>,
    pub min: Option<Node>,
    pub max: Option<Node>,
    #[serde(default, deserialize_with = "present")]
    pub contains: Option<Node>,
    pub one_of: Option<Spanned<Vec<Node>>>,
}

/// One item of `expect.errors:` when it is a list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ErrorMatcherSpec {
    pub message: Option<Spanned<String>>,
    pub contains: Option<Spanned<String>>,
    pub code: Option<Spanned<String>>,
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

/// A value and where the file gives it: serde-saphyr's `Spanned`, re-wrapped so that this
/// crate can implement traits for it.
#[derive(Debug)]
pub(crate) struct Spanned<T> {
    pub value: T,
    /// Where the value is written (for an alias, where it is used).
    pub referenced: Location,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = serde_saphyr::Spanned::<T>::deserialize(deserializer)?;
        Ok(Spanned {
            value: spanned.value,
            referenced: spanned.referenced,
        })
    }
}

/// A mapping with user-chosen keys, in file order, keys and values spanned.
#[derive(Debug)]
pub(crate) struct Entries<V>(pub Vec<(Spanned<String>, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key()? {
                    entries.push((key, map.next_value()?));
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(std::marker::PhantomData))
    }
}
