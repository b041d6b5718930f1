//! Tokens ION must refuse, made by the harness for steps that run `as: malformed` or
//! `as: unknown-issuer`.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::secret::Secret;

/// The issuer of [`unknown_issuer_token`]: a reserved `.invalid` host, no ION environment.
pub const UNKNOWN_ISSUER: &str = "https://auth.unknown-issuer.invalid/realms/api-keys";

/// A token ION cannot parse: not three dot-separated parts.
pub fn malformed_token() -> Secret {
    Secret::new("ion-contract-malformed-token")
}

/// A well-formed, unexpired JWT signed by a key no ION environment has, from
/// [`UNKNOWN_ISSUER`]: ION answers it as a token from another auth server.
pub fn unknown_issuer_token() -> Secret {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let header = json!({"alg": "HS256", "typ": "JWT", "kid": "ion-contract-unknown-issuer"});
    let claims = json!({
        "iss": UNKNOWN_ISSUER,
        "azp": "ion-contract",
        "sub": "service-account-ion-contract",
        "typ": "Bearer",
        "iat": now,
        "exp": now + 300,
    });
    let encode = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let signing_input = format!("{}.{}", encode(&header), encode(&claims));
    // The key is public on purpose: the point is that no ION realm holds it.
    let mut mac = Hmac::<Sha256>::new_from_slice(b"ion-contract: no ION realm signs with this")
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    Secret::new(format!("{signing_input}.{signature}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Claims, HostRealm};

    #[test]
    fn the_unknown_issuer_token_is_a_jwt_from_no_ion_realm() {
        let claims = Claims::decode(unknown_issuer_token().expose()).unwrap();
        assert_eq!(claims.issuer.as_deref(), Some(UNKNOWN_ISSUER));
        assert_eq!(claims.realm(), HostRealm::Unknown);
        assert!(Claims::decode(malformed_token().expose()).is_none());
    }
}
