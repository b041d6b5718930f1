//! The double's access tokens: what ION's Keycloak realm `api-keys` issues, and how ION's API
//! rejects a token it does not accept.
//!
//! Tokens are JWTs (HS256) signed with a key private to one environment and drawn afresh
//! every time the environment starts. The header names the key (`kid`, `<name>-<8 hex>`),
//! and the claims carry the realm's `iss` (see [`crate::auth::Realm::issuer`]) and a `jti`
//! sequence number. A
//! token whose key, signature or issuer belongs to another environment is refused as ION
//! refuses a token from another auth server. The 401 messages are the ones ION documents.
//!
//! Implementation notes: the key isolates environments from each other; it is not a
//! security boundary (the demo credentials are public), so it is derived from the
//! environment's name, the process id, a high-resolution clock, an address and a process-wide
//! counter rather than from an OS random source. Expiry has two causes: the `exp` claim (the
//! clock), and a cutoff moved by [`Issuer::expire_all`] that makes every token issued so far
//! expired at once, so a client's refetch-on-expiry can be tested without waiting.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::keys::Role;

/// The client id of the double's demo API key.
pub const DEMO_CLIENT_ID: &str = "ion-contract-demo";
/// The secret of the double's demo API key. Not a secret: the double is local.
pub const DEMO_CLIENT_SECRET: &str = "ion-contract-demo-secret";
/// How long a token lives, as Keycloak's default access-token lifespan.
pub const TOKEN_LIFETIME_SECS: u64 = 300;

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

/// Who a verified token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verified {
    /// The API key's client id (`azp`).
    pub client_id: String,
    /// The role the key had when the token was issued.
    pub role: Role,
}

/// Issues and checks the tokens of one environment (one auth server).
#[derive(Debug)]
pub(crate) struct Issuer {
    issuer: String,
    kid: String,
    key: [u8; 32],
    /// The `jti` of the next token issued.
    next_jti: AtomicU64,
    /// Tokens whose `jti` is below this are expired.
    cutoff: AtomicU64,
}

impl Issuer {
    /// The issuer `issuer` (the `iss` claim) of environment `name`, with a fresh key.
    pub(crate) fn new(name: &str, issuer: &str) -> Self {
        let key = fresh_key(name);
        let fingerprint = Sha256::digest(key);
        let kid = format!("{name}-{}", hex(&fingerprint[..4]));
        Issuer {
            issuer: issuer.to_owned(),
            kid,
            key,
            next_jti: AtomicU64::new(0),
            cutoff: AtomicU64::new(0),
        }
    }

    /// A signed token for `client_id`, carrying `role` (see [`super::keys`]), valid for
    /// `lifetime_secs` from now.
    pub(crate) fn issue(&self, client_id: &str, role: Role, lifetime_secs: u64) -> String {
        let now = unix_now();
        let jti = self.next_jti.fetch_add(1, Ordering::Relaxed);
        let header = json!({"alg": "HS256", "typ": "JWT", "kid": self.kid});
        let claims = json!({
            "iss": self.issuer,
            "azp": client_id,
            "sub": format!("service-account-{client_id}"),
            "typ": "Bearer",
            "role": role.name(),
            "jti": format!("{}.{jti}", self.kid),
            "iat": now,
            "exp": now + lifetime_secs,
        });
        let signing_input = format!("{}.{}", encode(&header), encode(&claims));
        let signature = URL_SAFE_NO_PAD.encode(self.sign(&signing_input));
        format!("{signing_input}.{signature}")
    }

    /// Makes every token issued so far expired; returns how many that is.
    pub(crate) fn expire_all(&self) -> u64 {
        let issued = self.next_jti.load(Ordering::Relaxed);
        self.cutoff.fetch_max(issued, Ordering::Relaxed);
        issued
    }

    /// Checks an `Authorization` header: a bare token, `Bearer <token>` or `Token <token>`.
    /// Returns the client id the token was issued to (its `azp` claim) and the role it
    /// carries.
    pub(crate) fn verify(&self, authorization: Option<&str>) -> Result<Verified, Rejection> {
        let header = authorization.map(str::trim).filter(|h| !h.is_empty());
        let token = header.ok_or(Rejection::Missing)?;
        let token = ["Bearer ", "Token "]
            .iter()
            .find_map(|scheme| {
                let (head, rest) = token.split_at_checked(scheme.len())?;
                head.eq_ignore_ascii_case(scheme).then_some(rest.trim())
            })
            .unwrap_or(token);
        let mut parts = token.split('.');
        let (Some(head), Some(body), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Rejection::Malformed);
        };
        let decode = |part: &str| -> Option<Value> {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
        };
        let (Some(header), Some(claims)) = (decode(head), decode(body)) else {
            return Err(Rejection::Malformed);
        };
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| Rejection::Malformed)?;
        let mut mac = self.mac();
        mac.update(format!("{head}.{body}").as_bytes());
        let ours = header["kid"] == self.kid.as_str()
            && mac.verify_slice(&signature).is_ok()
            && claims["iss"] == self.issuer.as_str();
        if !ours {
            return Err(Rejection::WrongIssuer);
        }
        let fresh = claims["exp"].as_u64().is_some_and(|exp| exp > unix_now());
        let sequence = claims["jti"]
            .as_str()
            .and_then(|jti| jti.rsplit_once('.'))
            .and_then(|(_, n)| n.parse::<u64>().ok());
        let cut = sequence.is_none_or(|n| n < self.cutoff.load(Ordering::Relaxed));
        if !fresh || cut {
            return Err(Rejection::Expired);
        }
        // Every token this issuer signs names its client and role.
        let client_id = claims["azp"].as_str().ok_or(Rejection::Malformed)?;
        let role = claims["role"]
            .as_str()
            .and_then(|role| role.parse().ok())
            .ok_or(Rejection::Malformed)?;
        Ok(Verified {
            client_id: client_id.to_owned(),
            role,
        })
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length; this cannot fail.
        Hmac::<Sha256>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!())
    }

    fn sign(&self, input: &str) -> Vec<u8> {
        let mut mac = self.mac();
        mac.update(input.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// A signing key no other environment, in this process or another, will draw.
fn fresh_key(name: &str) -> [u8; 32] {
    static DRAWN: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let local = 0u8;
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(std::process::id().to_le_bytes());
    hasher.update(nanos.to_le_bytes());
    hasher.update(format!("{:p}{:?}", &local, std::time::Instant::now()).as_bytes());
    hasher.update(DRAWN.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    hasher.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn encode(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin() -> Verified {
        Verified {
            client_id: DEMO_CLIENT_ID.to_owned(),
            role: Role::Admin,
        }
    }

    fn claims_and_header(token: &str) -> (Value, Value) {
        let decode = |part: &str| -> Value {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
        };
        let parts: Vec<&str> = token.split('.').collect();
        (decode(parts[1]), decode(parts[0]))
    }

    #[test]
    fn a_fresh_token_passes_in_every_header_form() {
        let issuer = Issuer::new("demo", "http://127.0.0.1:1");
        let token = issuer.issue(DEMO_CLIENT_ID, Role::Admin, 60);
        assert_eq!(issuer.verify(Some(&token)), Ok(admin()));
        assert_eq!(issuer.verify(Some(&format!("Bearer {token}"))), Ok(admin()));
        assert_eq!(issuer.verify(Some(&format!("token {token}"))), Ok(admin()));
    }

    #[test]
    fn tokens_name_their_key_issuer_and_sequence() {
        let issuer = Issuer::new("sandbox", "https://auth.example.test/realms/api-keys");
        let (claims, header) = claims_and_header(&issuer.issue(DEMO_CLIENT_ID, Role::Admin, 60));
        let kid = header["kid"].as_str().unwrap();
        assert!(
            kid.starts_with("sandbox-") && kid.len() == "sandbox-".len() + 8,
            "{kid}"
        );
        assert_eq!(claims["iss"], "https://auth.example.test/realms/api-keys");
        assert_eq!(claims["jti"], format!("{kid}.0"));
    }

    #[test]
    fn rejections_say_why() {
        let issuer = Issuer::new("demo", "http://127.0.0.1:1");
        assert_eq!(issuer.verify(None), Err(Rejection::Missing));
        assert_eq!(issuer.verify(Some("  ")), Err(Rejection::Missing));
        assert_eq!(issuer.verify(Some("Bearer abc")), Err(Rejection::Malformed));
        assert_eq!(issuer.verify(Some("a.b.c.d")), Err(Rejection::Malformed));
        let other =
            Issuer::new("demo", "http://127.0.0.1:2").issue(DEMO_CLIENT_ID, Role::Admin, 60);
        assert_eq!(issuer.verify(Some(&other)), Err(Rejection::WrongIssuer));
        let expired = issuer.issue(DEMO_CLIENT_ID, Role::Admin, 0);
        assert_eq!(issuer.verify(Some(&expired)), Err(Rejection::Expired));
        let mut tampered = issuer.issue(DEMO_CLIENT_ID, Role::Admin, 60);
        tampered.push('A');
        assert!(issuer.verify(Some(&tampered)).is_err());
    }

    #[test]
    fn same_name_and_url_still_means_another_key() {
        let first = Issuer::new("demo", "http://127.0.0.1:1");
        let second = Issuer::new("demo", "http://127.0.0.1:1");
        let token = second.issue(DEMO_CLIENT_ID, Role::Admin, 60);
        assert_eq!(first.verify(Some(&token)), Err(Rejection::WrongIssuer));
    }

    #[test]
    fn expire_all_expires_earlier_tokens_only() {
        let issuer = Issuer::new("demo", "http://127.0.0.1:1");
        let old = [
            issuer.issue(DEMO_CLIENT_ID, Role::Admin, 60),
            issuer.issue(DEMO_CLIENT_ID, Role::Admin, 60),
        ];
        assert_eq!(issuer.expire_all(), 2);
        for token in &old {
            assert_eq!(issuer.verify(Some(token)), Err(Rejection::Expired));
        }
        let new = issuer.issue(DEMO_CLIENT_ID, Role::Admin, 60);
        assert_eq!(issuer.verify(Some(&new)), Ok(admin()));
    }
}
