//! What a token says about itself: its JWT header and claims, read without verifying the
//! signature (only ION can verify it; the harness only wants to know where it came from).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::realm::{HostRealm, Realm};

/// The parts of a token's JWT the harness reads. Never holds the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// `iss`: the issuer, `<auth server>/realms/api-keys` for ION.
    pub issuer: Option<String>,
    /// `azp`: the client id the token was issued to.
    pub client_id: Option<String>,
    /// `exp`: when it expires, in seconds since the Unix epoch.
    pub expires_at: Option<u64>,
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
        let (Some(_header), Some(payload), Some(_signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let payload = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
        let claims: Value = serde_json::from_slice(&payload).ok()?;
        let text = |key: &str| claims.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(Claims {
            issuer: text("iss"),
            client_id: text("azp"),
            expires_at: claims.get("exp").and_then(Value::as_u64),
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
