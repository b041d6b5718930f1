//! The double's access tokens: what ION's Keycloak realm `api-keys` issues, and how ION's API
//! rejects a token it does not accept.
//!
//! Tokens are JWTs (HS256, signed with a key private to the double) whose `iss` is
//! `<auth url>/realms/api-keys`, so a token from one double is rejected by another, as a
//! production token is by a sandbox. The 401 messages are the ones ION documents.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// The client id of the double's demo API key.
pub const DEMO_CLIENT_ID: &str = "ion-contract-demo";
/// The secret of the double's demo API key. Not a secret: the double is local.
pub const DEMO_CLIENT_SECRET: &str = "ion-contract-demo-secret";
/// How long a token lives, as Keycloak's default access-token lifespan.
pub const TOKEN_LIFETIME_SECS: u64 = 300;

const SIGNING_KEY: &[u8] = b"ion-contract double signing key";

/// Why ION's API refuses a request before running it (HTTP 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejection {
    Missing,
    Malformed,
    WrongIssuer,
    Expired,
}

impl Rejection {
    /// ION's message for this rejection.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Rejection::Missing => "Please provide proper credentials",
            Rejection::Malformed => "Unable to parse authentication token",
            Rejection::WrongIssuer => "Unable to find appropriate RSA key",
            Rejection::Expired => "Token is expired.",
        }
    }
}

/// Issues and checks the tokens of one double (one auth server).
#[derive(Debug, Clone)]
pub(crate) struct Issuer {
    issuer: String,
}

impl Issuer {
    /// The issuer for an auth server at `auth_url`.
    pub(crate) fn new(auth_url: &str) -> Self {
        Issuer {
            issuer: format!("{}/realms/api-keys", auth_url.trim_end_matches('/')),
        }
    }

    /// A signed token for `client_id`, valid for `lifetime_secs` from now.
    pub(crate) fn issue(&self, client_id: &str, lifetime_secs: u64) -> String {
        let now = unix_now();
        let header = json!({"alg": "HS256", "typ": "JWT"});
        let claims = json!({
            "iss": self.issuer,
            "azp": client_id,
            "sub": format!("service-account-{client_id}"),
            "typ": "Bearer",
            "iat": now,
            "exp": now + lifetime_secs,
        });
        let signing_input = format!("{}.{}", encode(&header), encode(&claims));
        let signature = URL_SAFE_NO_PAD.encode(sign(&signing_input));
        format!("{signing_input}.{signature}")
    }

    /// Checks an `Authorization` header: a bare token, `Bearer <token>` or `Token <token>`.
    pub(crate) fn verify(&self, authorization: Option<&str>) -> Result<(), Rejection> {
        let header = authorization.map(str::trim).filter(|h| !h.is_empty());
        let token = header.ok_or(Rejection::Missing)?;
        let token = ["Bearer ", "Token "]
            .iter()
            .find_map(|scheme| {
                let (head, rest) = token.split_at_checked(scheme.len())?;
                head.eq_ignore_ascii_case(scheme).then_some(rest.trim())
            })
            .unwrap_or(token);
        let parts: Vec<&str> = token.split('.').collect();
        let [header, claims, signature] = parts[..] else {
            return Err(Rejection::Malformed);
        };
        let decode = |part: &str| -> Option<Value> {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
        };
        let (Some(_), Some(claims)) = (decode(header), decode(claims)) else {
            return Err(Rejection::Malformed);
        };
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| Rejection::Malformed)?;
        let mut mac = mac();
        mac.update(format!("{header}.{}", parts[1]).as_bytes());
        if mac.verify_slice(&signature).is_err() || claims["iss"] != self.issuer.as_str() {
            return Err(Rejection::WrongIssuer);
        }
        match claims["exp"].as_u64() {
            Some(exp) if exp > unix_now() => Ok(()),
            _ => Err(Rejection::Expired),
        }
    }
}

fn encode(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

fn mac() -> Hmac<Sha256> {
    // HMAC accepts keys of any length; this cannot fail.
    Hmac::<Sha256>::new_from_slice(SIGNING_KEY).unwrap_or_else(|_| unreachable!())
}

fn sign(input: &str) -> Vec<u8> {
    let mut mac = mac();
    mac.update(input.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_token_passes_in_every_header_form() {
        let issuer = Issuer::new("http://127.0.0.1:1");
        let token = issuer.issue(DEMO_CLIENT_ID, 60);
        assert_eq!(issuer.verify(Some(&token)), Ok(()));
        assert_eq!(issuer.verify(Some(&format!("Bearer {token}"))), Ok(()));
        assert_eq!(issuer.verify(Some(&format!("token {token}"))), Ok(()));
    }

    #[test]
    fn rejections_say_why() {
        let issuer = Issuer::new("http://127.0.0.1:1");
        assert_eq!(issuer.verify(None), Err(Rejection::Missing));
        assert_eq!(issuer.verify(Some("  ")), Err(Rejection::Missing));
        assert_eq!(issuer.verify(Some("Bearer abc")), Err(Rejection::Malformed));
        let other = Issuer::new("http://127.0.0.1:2").issue(DEMO_CLIENT_ID, 60);
        assert_eq!(issuer.verify(Some(&other)), Err(Rejection::WrongIssuer));
        let expired = issuer.issue(DEMO_CLIENT_ID, 0);
        assert_eq!(issuer.verify(Some(&expired)), Err(Rejection::Expired));
        let mut tampered = issuer.issue(DEMO_CLIENT_ID, 60);
        tampered.push('A');
        assert!(issuer.verify(Some(&tampered)).is_err());
    }
}
