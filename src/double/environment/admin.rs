//! The double's admin endpoints (`/__double/...`), listed in the table of [`super`], and the
//! request counters behind `GET /__double/requests`.
//!
//! They are off ION's paths, so no ION client calls them by
//! accident, and they are not counted. `requests` counts every other request since start or
//! the last reset, by path, unknown paths included; to keep memory bounded whatever a client
//! sends, at most [`MAX_COUNTED_PATHS`] distinct paths (each cut to 200 bytes) are kept, and
//! requests to further paths are counted under `(other paths)`; `throttled` counts the 429s.
//! A reset leaves tokens valid, the throttle settings and the served schema as they are, but
//! gives the keys their first roles, fills the buckets and ends a storm, so that what a
//! test does after a reset does not depend on the test before it.
//!
//! A schema set with `POST /__double/schema` imitates an ION release that changed the schema
//! (see [`super::super::served_schema`]): the store is not touched, so rows of types or fields the
//! new schema lacks are only out of reach until the original is restored.
//!
//! The body of `POST /__double/throttle` has any of these fields (an unset field keeps its
//! value; an empty body or `{}` changes nothing):
//!
//! | field | meaning |
//! | --- | --- |
//! | `"per_second": n` | the sustained rate of each API key's bucket (1 or more) |
//! | `"burst": n` | how many requests a full bucket lets through back to back (1 or more) |
//! | `"retry_after": "seconds"` \| `"http-date"` \| `"absent"` | how a 429 says when to come back |
//! | `"off": true` | no bucket and no storm (alone in the body) |
//! | `"storm": {"next": N}` | the next N `/graphql` requests get 429 whatever the bucket says; `Retry-After` 1 s |
//! | `"storm": {"for_ms": T}` | every `/graphql` request for T ms gets 429; `Retry-After` the time left, rounded up |
//! | `"storm": null` | ends a storm |
//!
//! Setting `per_second`, `burst` or `retry_after` when there is no bucket creates one: rate
//! 5, burst the rate, `Retry-After` in seconds, for whatever is not given.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{ADMIN_PREFIX, Environment, Faults, Keys, Reply, graphql_error, lock};
use crate::ion::paths::{DISCOVERY_PATH, JWKS_PATH, TOKEN_PATH};

/// How many distinct paths `/__double/requests` counts one by one.
pub(crate) const MAX_COUNTED_PATHS: usize = 64;

/// The key under which requests to paths beyond [`MAX_COUNTED_PATHS`] are counted.
const OTHER_PATHS: &str = "(other paths)";

/// A counted path is cut to this many bytes.
const MAX_PATH_LEN: usize = 200;

impl Environment {
    /// `POST /__double/schema` (SDL text: replace; empty: restore) and `DELETE` (restore).
    fn admin_schema(&self, method: &str, body: &[u8]) -> Reply {
        let served = match method {
            "DELETE" => self.restore_schema(),
            "POST" if body.iter().all(u8::is_ascii_whitespace) => self.restore_schema(),
            "POST" => {
                let Ok(sdl) = std::str::from_utf8(body) else {
                    return graphql_error(
                        400,
                        "The body is not UTF-8 text. Send the schema as SDL text, or an empty \
                         body to restore the original schema.",
                    );
                };
                match self.set_schema(sdl) {
                    Ok(served) => served,
                    Err(rejected) => {
                        return Reply::json(400, &json!({ "errors": rejected.errors }));
                    }
                }
            }
            _ => return not_allowed(method, "POST, DELETE"),
        };
        let schema = if served.replaced {
            "replaced"
        } else {
            "original"
        };
        Reply::json(200, &json!({ "schema": schema, "types": served.types }))
    }

    /// The admin endpoints; see the module docs.
    pub(super) fn admin(&self, method: &str, path: &str, body: &[u8]) -> Reply {
        match &path[ADMIN_PREFIX.len()..] {
            "requests" => only(method, "GET", || {
                let mut counts = lock(&self.counters).to_json();
                counts["early"] = self.throttle.early().into();
                Reply::json(200, &counts)
            }),
            "keys" => match method {
                "GET" => Reply::json(200, &lock(&self.keys).to_json()),
                "POST" => match lock(&self.keys).regenerate(body) {
                    Ok(keys) => Reply::json(200, &keys),
                    Err(message) => graphql_error(400, &message),
                },
                _ => not_allowed(method, "GET, POST"),
            },
            "reset" => only(method, "POST", || {
                *lock(&self.store) = self.data.seed.clone();
                *lock(&self.keys) = Keys::of(&self.spec);
                *lock(&self.counters) = Counters::default();
                self.faults
                    .change(|faults| *faults = Faults::new(self.spec.faults.clone()));
                self.throttle.reset();
                if let Some(journal) = &self.journal {
                    journal.clear();
                }
                Reply::json(200, &json!({ "reset": true }))
            }),
            "expire-tokens" => only(method, "POST", || {
                let expired = self.issuer.expire_all();
                Reply::json(200, &json!({ "expired": expired }))
            }),
            "drift" => only(method, "POST", || match self.drift_body(body) {
                Ok(answer) => Reply::json(200, &answer),
                Err(message) => graphql_error(400, &message),
            }),
            "throttle" => match method {
                "GET" => Reply::json(200, &self.throttle.settings()),
                "POST" => match self.throttle.configure(body) {
                    Ok(settings) => Reply::json(200, &settings),
                    Err(message) => graphql_error(400, &message),
                },
                _ => not_allowed(method, "GET, POST"),
            },
            "schema" => self.admin_schema(method, body),
            "faults" => match method {
                "GET" => Reply::json(200, &self.faults.change(|faults| faults.to_json())),
                "POST" => match self.faults.change(|faults| faults.add(body)) {
                    Ok(faults) => Reply::json(200, &faults),
                    Err(message) => graphql_error(400, &message),
                },
                "DELETE" => {
                    let cleared = self.faults.change(|faults| {
                        faults.clear();
                        faults.to_json()
                    });
                    Reply::json(200, &cleared)
                }
                _ => not_allowed(method, "GET, POST, DELETE"),
            },
            _ => not_found(method, path),
        }
    }
}

/// Requests counted by path since start or the last reset, and the 429s among them.
#[derive(Debug, Default)]
pub(super) struct Counters {
    total: u64,
    paths: BTreeMap<String, u64>,
    pub(super) throttled: u64,
    /// Requests stopped at a limit ([`crate::double::limits`]), by the limit's name.
    stopped: BTreeMap<&'static str, u64>,
}

impl Counters {
    pub(super) fn count(&mut self, path: &str) {
        self.total += 1;
        let mut end = path.len().min(MAX_PATH_LEN);
        while !path.is_char_boundary(end) {
            end -= 1;
        }
        let key = &path[..end];
        if let Some(n) = self.paths.get_mut(key) {
            *n += 1;
        } else if self.paths.len() < MAX_COUNTED_PATHS {
            self.paths.insert(key.to_owned(), 1);
        } else {
            *self.paths.entry(OTHER_PATHS.to_owned()).or_default() += 1;
        }
    }

    /// A request stopped at the limit named `limit` (or cancelled: its client went away).
    pub(super) fn stopped(&mut self, limit: &'static str) {
        *self.stopped.entry(limit).or_default() += 1;
    }

    pub(super) fn to_json(&self) -> Value {
        json!({ "total": self.total, "paths": self.paths, "throttled": self.throttled,
            "stopped": self.stopped })
    }
}

/// Answers with `answer` when `method` is `allowed`, and 405 otherwise.
pub(super) fn only(method: &str, allowed: &'static str, answer: impl FnOnce() -> Reply) -> Reply {
    if method == allowed {
        return answer();
    }
    not_allowed(method, allowed)
}

/// 405, naming the `allowed` methods.
fn not_allowed(method: &str, allowed: &'static str) -> Reply {
    let allowed_text = allowed.replace(", ", " or ");
    Reply::json(
        405,
        &json!({ "errors": [{ "message": format!("Method {method} is not allowed here; use {allowed_text}.") }] }),
    )
    .with_header("allow", allowed)
}

pub(super) fn not_found(method: &str, path: &str) -> Reply {
    let message = format!(
        "No route for {method} {path}. The ION double serves POST /graphql, POST \
         {TOKEN_PATH}, GET {JWKS_PATH} and GET {DISCOVERY_PATH} (each also under /auth), GET \
         {ADMIN_PREFIX}requests, POST \
         {ADMIN_PREFIX}reset, POST {ADMIN_PREFIX}expire-tokens, POST {ADMIN_PREFIX}drift, GET or \
         POST {ADMIN_PREFIX}throttle and POST or DELETE {ADMIN_PREFIX}schema, GET or POST \
         {ADMIN_PREFIX}keys and GET, POST or DELETE {ADMIN_PREFIX}faults."
    );
    Reply::json(404, &json!({ "errors": [{ "message": message }] }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_paths_stay_bounded() {
        let mut counters = Counters::default();
        for i in 0..(MAX_COUNTED_PATHS * 3) {
            counters.count(&format!("/probe/{i}"));
        }
        counters.count(&"/é".repeat(300));
        assert_eq!(counters.total, MAX_COUNTED_PATHS as u64 * 3 + 1);
        assert_eq!(counters.paths.len(), MAX_COUNTED_PATHS + 1);
        assert_eq!(
            counters.paths[OTHER_PATHS],
            MAX_COUNTED_PATHS as u64 * 2 + 1
        );
    }

    #[test]
    fn long_paths_are_cut_at_a_character_boundary() {
        let mut counters = Counters::default();
        counters.count(&"/é".repeat(300));
        let key = counters.paths.keys().next().unwrap();
        assert!(key.len() <= MAX_PATH_LEN && key.starts_with("/é"), "{key}");
    }
}
