//! What the double's Keycloak realm `api-keys` publishes besides tokens: the JWKS a client
//! verifies tokens with, and the OpenID Connect discovery document that points at it.
//!
//! | method and path | answer |
//! | --- | --- |
//! | `GET /realms/api-keys/protocol/openid-connect/certs` | `{"keys": [{"kid", "kty": "RSA", "alg": "RS256", "use": "sig", "n", "e"}]}`: the environment's one signing key |
//! | `GET /realms/api-keys/.well-known/openid-configuration` | the discovery document (below) |
//! | the same under `/auth/realms/...` | the same, its URLs under `/auth` (Keycloak's legacy context) |
//!
//! The discovery document's `issuer` is the environment's, the `iss` of its tokens
//! ([`crate::ion::realm::Realm::issuer`], production's as ION's Keycloak advertises it). Its URLs
//! (`jwks_uri`, `token_endpoint`, ...) are built from the request's own scheme, `Host` and
//! path prefix, so a client that follows them reaches this double, behind TLS too. The
//! lists are those of ION's production discovery document where the double does the same
//! (scopes, claims, `id_token_signing_alg_values_supported: ["RS256"]`) and what the double
//! really grants elsewhere: `grant_types_supported: ["client_credentials"]`,
//! `token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"]`.
//! `authorization_endpoint` is advertised, as OpenID Connect requires, but not served.

use serde_json::{Value, json};

use super::signing::{ALGORITHM, SigningKey};
use crate::ion::paths::{DISCOVERY_PATH, JWKS_PATH, LEGACY_PREFIX, TOKEN_PATH};

/// The JWKS of an environment whose key is `key`.
pub(crate) fn jwks(key: &SigningKey) -> Value {
    json!({ "keys": [key.jwk()] })
}

/// The discovery document of the realm with issuer `issuer`, requested at `path` (the
/// current or the legacy discovery path) of the server `origin` (`<scheme>://<host>`).
pub(crate) fn discovery(issuer: &str, origin: &str, path: &str) -> Value {
    let prefix = if path.starts_with(LEGACY_PREFIX) {
        LEGACY_PREFIX
    } else {
        ""
    };
    let url = |path: &str| format!("{origin}{prefix}{path}");
    let realm = url(DISCOVERY_PATH.trim_end_matches("/.well-known/openid-configuration"));
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{realm}/protocol/openid-connect/auth"),
        "token_endpoint": url(TOKEN_PATH),
        "jwks_uri": url(JWKS_PATH),
        "grant_types_supported": ["client_credentials"],
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "claims_supported": [
            "aud", "sub", "iss", "auth_time", "name", "given_name", "family_name",
            "preferred_username", "email", "acr"
        ],
        "scopes_supported": [
            "openid", "roles", "profile", "email", "microprofile-jwt", "offline_access"
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ion::paths::LEGACY_DISCOVERY_PATH;
    use crate::ion::realm::Realm;

    #[test]
    fn discovery_points_at_the_requested_server_and_context() {
        let issuer = Realm::Production.issuer();
        let current = discovery(issuer, "https://127.0.0.1:9", DISCOVERY_PATH);
        assert_eq!(current["issuer"], issuer);
        assert_eq!(
            current["jwks_uri"],
            "https://127.0.0.1:9/realms/api-keys/protocol/openid-connect/certs"
        );
        assert_eq!(
            current["token_endpoint"],
            "https://127.0.0.1:9/realms/api-keys/protocol/openid-connect/token"
        );
        let legacy = discovery(issuer, "http://localhost:9", LEGACY_DISCOVERY_PATH);
        assert_eq!(
            legacy["jwks_uri"],
            "http://localhost:9/auth/realms/api-keys/protocol/openid-connect/certs"
        );
        assert_eq!(
            legacy["authorization_endpoint"],
            "http://localhost:9/auth/realms/api-keys/protocol/openid-connect/auth"
        );
        assert_eq!(
            legacy["id_token_signing_alg_values_supported"],
            json!(["RS256"])
        );
    }
}
