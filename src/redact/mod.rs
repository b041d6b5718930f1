//! The redaction vocabulary shared by snapshots and messages.
//!
//! Two kinds of values never reach a snapshot as they are:
//!
//! - **volatile** values that change on every run: `_etag`/`Etag` become `[etag]`,
//!   `_created`/`_updated` become `[timestamp]`, connection cursors (`cursor`, `startCursor`,
//!   `endCursor`) become `[cursor]`;
//! - **secrets**: anything token-like (a JWT, or the value of a key such as `access_token`,
//!   `clientSecret`, `sharedSecret`, `authorization`, `password`) becomes `[redacted]`.
//!
//! `null` is kept as `null`, so a snapshot still shows whether a value was there. Suites add
//! their own redactions (`redact:`) on top; those are insta selectors applied by
//! [`crate::snapshot`]. Values the case itself owns (its captures, the ids its creates got,
//! what it wrote from `${run.id}`) are replaced by [`case_values`]. Secret *values* (credentials, tokens, in any encoding) are scrubbed
//! from every output, snapshots included, by [`crate::scrub`].

pub mod case_values;

use serde_json::Value;

/// Placeholder for secrets.
pub const SECRET: &str = "[redacted]";

/// Keys whose values are volatile, with their placeholders.
const VOLATILE_KEYS: &[(&str, &str)] = &[
    ("_etag", "[etag]"),
    ("Etag", "[etag]"),
    ("etag", "[etag]"),
    ("_created", "[timestamp]"),
    ("_updated", "[timestamp]"),
    ("cursor", "[cursor]"),
    ("startCursor", "[cursor]"),
    ("endCursor", "[cursor]"),
];

/// Keys whose values are secrets (compared case-insensitively, ignoring `_` and `-`).
const SECRET_KEYS: &[&str] = &[
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "token",
    "clientsecret",
    "sharedsecret",
    "secret",
    "authorization",
    "password",
    "apikey",
];

/// Returns `value` with volatile values and secrets replaced by placeholders.
pub fn redact(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), redact_member(k, v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        Value::String(s) if looks_like_token(s) => Value::String(SECRET.into()),
        other => other.clone(),
    }
}

fn redact_member(key: &str, value: &Value) -> Value {
    if value.is_null() {
        return Value::Null;
    }
    if is_secret_key(key) && !value.is_object() && !value.is_array() {
        return Value::String(SECRET.into());
    }
    if let Some((_, placeholder)) = VOLATILE_KEYS.iter().find(|(k, _)| *k == key)
        && !value.is_object()
        && !value.is_array()
    {
        return Value::String((*placeholder).into());
    }
    redact(value)
}

/// Whether a field or key called `key` holds a secret (`sharedSecret`, `client_secret`, ...).
pub fn is_secret_key(key: &str) -> bool {
    let normalised: String = key
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_KEYS.contains(&normalised.as_str())
}

/// True for strings shaped like a JWT (three base64url segments, the first one starting
/// with `eyJ`, the encoding of `{"`) or an `Authorization` header value.
pub fn looks_like_token(s: &str) -> bool {
    let s = s.trim();
    if let Some(rest) = s
        .strip_prefix("Bearer ")
        .or_else(|| s.strip_prefix("Token "))
    {
        return !rest.is_empty();
    }
    let segments: Vec<&str> = s.split('.').collect();
    segments.len() == 3
        && segments[0].starts_with("eyJ")
        && segments.iter().all(|seg| {
            !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '=')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn volatile_values_become_placeholders_and_nulls_stay() {
        let input = json!({"part": {"id": 3, "_etag": "0123456789abcdef0123456789abcdef",
            "_created": "2024-01-01T00:00:00+00:00", "_updated": null},
            "pageInfo": {"endCursor": "YXJyYXljb25uZWN0aW9uOjE=", "startCursor": null}});
        assert_eq!(
            redact(&input),
            json!({"part": {"id": 3, "_etag": "[etag]", "_created": "[timestamp]",
                "_updated": null}, "pageInfo": {"endCursor": "[cursor]", "startCursor": null}})
        );
    }

    #[test]
    fn secrets_are_redacted_by_key_and_by_shape() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl";
        let input = json!({"access_token": "opaque", "client_secret": "s3cret",
            "note": jwt, "header": "Bearer abc", "list": [jwt, "plain"]});
        assert_eq!(
            redact(&input),
            json!({"access_token": SECRET, "client_secret": SECRET, "note": SECRET,
                "header": SECRET, "list": [SECRET, "plain"]})
        );
    }

    #[test]
    fn ordinary_dotted_strings_are_not_tokens() {
        assert!(!looks_like_token("v1.2.3"));
        assert!(!looks_like_token("ICT-100.A.rev"));
        assert!(looks_like_token("Token xyz"));
    }
}
