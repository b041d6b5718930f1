//! Why ION refused a request: every 401 and 403 (and a GraphQL permission error) gets one
//! [`AuthClass`], with the fix that goes with it.
//!
//! | class | what ION answered |
//! | --- | --- |
//! | `wrong-environment` | 401 `Unable to find appropriate RSA key`, or any 401 to a token whose issuer is known to be another environment's |
//! | `expired` | 401 `Token is expired.` |
//! | `missing` | 401 `Please provide proper credentials` (no `Authorization` header) |
//! | `malformed` | 401 `Unable to parse authentication token` |
//! | `forbidden` | 403, or HTTP 200 with a GraphQL error saying the user lacks permission |
//! | `unauthorized` | any other 401 |

use std::fmt;

use serde_json::Value;

/// The class of an authorisation failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthClass {
    /// The token was signed by another environment's (or an unknown) auth server.
    WrongEnvironment,
    /// The token has expired.
    Expired,
    /// No credentials were sent.
    Missing,
    /// The `Authorization` header does not hold a parsable token.
    Malformed,
    /// Authenticated, but not allowed to do this.
    Forbidden,
    /// Refused for another reason.
    Unauthorized,
}

/// What the harness knows about the token a request carried, beyond the response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenKnowledge {
    /// The token's issuer is known to belong to another environment than the target's.
    pub foreign_issuer: bool,
}

impl AuthClass {
    /// Every class, in the order of the table above.
    pub const ALL: [AuthClass; 6] = [
        AuthClass::WrongEnvironment,
        AuthClass::Expired,
        AuthClass::Missing,
        AuthClass::Malformed,
        AuthClass::Forbidden,
        AuthClass::Unauthorized,
    ];

    /// The name used in suites (`auth: wrong-environment`) and reports.
    pub fn name(self) -> &'static str {
        match self {
            AuthClass::WrongEnvironment => "wrong-environment",
            AuthClass::Expired => "expired",
            AuthClass::Missing => "missing",
            AuthClass::Malformed => "malformed",
            AuthClass::Forbidden => "forbidden",
            AuthClass::Unauthorized => "unauthorized",
        }
    }

    /// The class called `name`.
    pub fn named(name: &str) -> Option<AuthClass> {
        AuthClass::ALL.into_iter().find(|c| c.name() == name)
    }

    /// What it means, in one sentence.
    pub fn meaning(self) -> &'static str {
        match self {
            AuthClass::WrongEnvironment => {
                "the token was signed by an auth server this API does not trust: it belongs to \
                 another ION environment (a production key sent to a sandbox, or the reverse)"
            }
            AuthClass::Expired => "the token has expired",
            AuthClass::Missing => "the request reached ION without an Authorization header",
            AuthClass::Malformed => "the Authorization header does not hold a token ION can parse",
            AuthClass::Forbidden => {
                "the credentials are valid but not allowed to do this (a missing permission, or \
                 another organisation's data)"
            }
            AuthClass::Unauthorized => "ION refused the credentials without a known reason",
        }
    }

    /// How to fix it, for a target whose credentials are read from `variables` (e.g.
    /// `ION_SANDBOX_CLIENT_ID/ION_SANDBOX_CLIENT_SECRET`).
    pub fn fix(self, target: &str, variables: &str) -> String {
        match self {
            AuthClass::WrongEnvironment => format!(
                "use an API key registered in target {target}'s own environment and set \
                 {variables}; `ion-contract preflight --target {target}` names the environment \
                 of each URL and credential"
            ),
            AuthClass::Expired => format!(
                "client-credentials tokens are renewed by the harness, so this is a static token: \
                 paste a fresh one, or set {variables} instead"
            ),
            AuthClass::Missing => format!(
                "set {variables}; if they are set, something between the harness and ION (a \
                 proxy) drops the Authorization header"
            ),
            AuthClass::Malformed => format!(
                "the token variable must hold the access_token value alone (no quotes, no \
                 scheme); or set {variables}"
            ),
            AuthClass::Forbidden => "an API key keeps the permissions its creator had when it \
                 was generated: grant the permission, then generate a new key"
                .to_owned(),
            AuthClass::Unauthorized => format!(
                "check that the API key in {variables} is enabled and that the user who created it \
                 is still active (ION disables the keys of deactivated users)"
            ),
        }
    }
}

impl fmt::Display for AuthClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The class of a response, or `None` when it is not an authorisation failure. `body` is
/// the response body as JSON (`Value::Null` when it is not JSON, in which case `text` is
/// read instead).
pub fn classify(status: u16, body: &Value, text: &str, token: TokenKnowledge) -> Option<AuthClass> {
    let messages = messages(body);
    let says = |needle: &str| {
        let needle = needle.to_ascii_lowercase();
        if messages.is_empty() {
            text.to_ascii_lowercase().contains(&needle)
        } else {
            messages
                .iter()
                .any(|m| m.to_ascii_lowercase().contains(&needle))
        }
    };
    match status {
        401 if says("Unable to find appropriate RSA key") => Some(AuthClass::WrongEnvironment),
        401 if says("Token is expired") => Some(AuthClass::Expired),
        401 if says("Please provide proper credentials") => Some(AuthClass::Missing),
        401 if says("Unable to parse authentication token") => Some(AuthClass::Malformed),
        401 if token.foreign_issuer => Some(AuthClass::WrongEnvironment),
        401 => Some(AuthClass::Unauthorized),
        403 => Some(AuthClass::Forbidden),
        200 if permission_error(body) => Some(AuthClass::Forbidden),
        _ => None,
    }
}

/// The `errors[].message` strings of a GraphQL body.
fn messages(body: &Value) -> Vec<&str> {
    body.get("errors")
        .and_then(Value::as_array)
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e.get("message").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a GraphQL body carries a permission error (ION's "User does not have permission
/// to ...", or an `extensions.code` of `FORBIDDEN` / `PERMISSION_DENIED`).
fn permission_error(body: &Value) -> bool {
    let Some(errors) = body.get("errors").and_then(Value::as_array) else {
        return false;
    };
    errors.iter().any(|error| {
        let message = error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let code = error.pointer("/extensions/code").and_then(Value::as_str);
        message.contains("does not have permission")
            || message.contains("permission denied")
            || matches!(code, Some("FORBIDDEN" | "PERMISSION_DENIED"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn of(status: u16, message: &str) -> Option<AuthClass> {
        let body = json!({"errors": [{"message": message}]});
        classify(status, &body, "", TokenKnowledge::default())
    }

    #[test]
    fn ions_401_messages_map_to_their_class() {
        assert_eq!(
            of(401, "Unable to find appropriate RSA key"),
            Some(AuthClass::WrongEnvironment)
        );
        assert_eq!(of(401, "Token is expired."), Some(AuthClass::Expired));
        assert_eq!(
            of(401, "Please provide proper credentials"),
            Some(AuthClass::Missing)
        );
        assert_eq!(
            of(401, "Unable to parse authentication token"),
            Some(AuthClass::Malformed)
        );
        assert_eq!(
            of(401, "Wrong audience or issuer"),
            Some(AuthClass::Unauthorized)
        );
    }

    #[test]
    fn a_known_foreign_issuer_makes_any_401_wrong_environment() {
        let body = json!({"errors": [{"message": "Wrong audience or issuer"}]});
        let foreign = TokenKnowledge {
            foreign_issuer: true,
        };
        assert_eq!(
            classify(401, &body, "", foreign),
            Some(AuthClass::WrongEnvironment)
        );
        // The message wins over what the harness knows.
        let expired = json!({"errors": [{"message": "Token is expired."}]});
        assert_eq!(
            classify(401, &expired, "", foreign),
            Some(AuthClass::Expired)
        );
    }

    #[test]
    fn permission_failures_are_forbidden() {
        assert_eq!(of(403, "Forbidden"), Some(AuthClass::Forbidden));
        assert_eq!(
            of(
                200,
                "User does not have permission to update this resource."
            ),
            Some(AuthClass::Forbidden)
        );
        let coded = json!({"errors": [{"message": "no", "extensions": {"code": "FORBIDDEN"}}]});
        assert_eq!(
            classify(200, &coded, "", TokenKnowledge::default()),
            Some(AuthClass::Forbidden)
        );
    }

    #[test]
    fn other_responses_are_not_auth_failures() {
        assert_eq!(of(200, "Cannot query field \"x\""), None);
        assert_eq!(of(429, "slow down"), None);
        assert_eq!(
            classify(200, &json!({"data": {}}), "", TokenKnowledge::default()),
            None
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_read_as_text() {
        let class = classify(
            401,
            &Value::Null,
            "401: Unable to parse authentication token",
            TokenKnowledge::default(),
        );
        assert_eq!(class, Some(AuthClass::Malformed));
    }

    #[test]
    fn names_round_trip() {
        for class in AuthClass::ALL {
            assert_eq!(AuthClass::named(class.name()), Some(class));
        }
    }
}
