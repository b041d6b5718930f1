//! What a token says about itself: its JWT header and claims, read without verifying the
//! signature (the harness only wants to know where it came from: its issuer, and the key id
//! the preflight looks up in the environment's JWKS, see [`super::jwks`]).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::ion::realm::{HostRealm, Realm};

/// The parts of a token's JWT the harness reads. Never holds the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// `iss`: the issuer, `<auth server>/realms/api-keys` for ION.
    pub issuer: Option<String>,
    /// `azp`: the client id the token was issued to.
    pub client_id: Option<String>,
    /// `exp`: when it expires, in seconds since the Unix epoch.
    pub expires_at: Option<u64>,
    /// `kid` of the JWT header: which of the issuer's keys signed it (its JWKS lists them).
    pub key_id: Option<String>,
}

impl Claims {
    /// Decodes `token`'s claims; `None` when it is not a JWT (an opaque token). A leading
    /// `Bearer ` or `Token ` is ignored.
    pub fn decode(token: &str) -> Option<Claims> {
        let token = token.trim();
        let token = ["Bearer ", "Token "]
            .iter()
            .find_map(|scheme| token.strip_prefix(scheme))
            .unwrap_or(token)
            .trim();
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(_signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let json = |part: &str| -> Option<Value> {
            let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
            serde_json::from_slice(&bytes).ok()
        };
        let claims = json(payload)?;
        let header = json(header).unwrap_or(Value::Null);
        let text =
            |json: &Value, key: &str| json.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(Claims {
            issuer: text(&claims, "iss"),
            client_id: text(&claims, "azp"),
            expires_at: claims.get("exp").and_then(Value::as_u64),
            key_id: text(&header, "kid"),
        })
    }

    /// The realm of the issuer, as its host says.
    pub fn realm(&self) -> HostRealm {
        self.issuer
            .as_deref()
            .map_or(HostRealm::Unknown, Realm::of_url)
    }

    /// Whether `exp` has passed at `now` (seconds since the Unix epoch); `false` without `exp`.
    pub fn expired_at(&self, now: u64) -> bool {
        self.expires_at.is_some_and(|exp| exp <= now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn jwt(claims: &Value) -> String {
        let encode = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.c2ln",
            encode(&json!({"alg": "RS256", "kid": "k"})),
            encode(claims)
        )
    }

    #[test]
    fn reads_issuer_client_and_expiry() {
        let token = jwt(&json!({"iss": Realm::Production.issuer(), "azp": "etl", "exp": 100}));
        let claims = Claims::decode(&format!("Bearer {token}")).unwrap();
        assert_eq!(claims.client_id.as_deref(), Some("etl"));
        assert_eq!(claims.key_id.as_deref(), Some("k"));
        assert_eq!(claims.realm(), HostRealm::Known(Realm::Production));
        assert!(claims.expired_at(100) && !claims.expired_at(99));
    }

    #[test]
    fn opaque_and_garbled_tokens_have_no_claims() {
        for token in ["opaque-token", "a.b.c", "a.b", "eyJ.eyJ.x.y", ""] {
            assert_eq!(Claims::decode(token), None, "{token}");
        }
        let no_iss = Claims::decode(&jwt(&json!({"sub": "x"}))).unwrap();
        assert_eq!(no_iss.realm(), HostRealm::Unknown);
    }
}
