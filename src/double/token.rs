//! The double's access tokens: what ION's Keycloak realm `api-keys` issues, and how ION's API
//! rejects a token it does not accept.
//!
//! Tokens are RS256 JWTs, signed with the RSA key of their environment ([`super::signing`]:
//! one per environment name per process). The header names the key (`kid`,
//! `<name>-<8 hex>`), which the environment publishes in its JWKS ([`super::keycloak`]), and
//! the claims carry the realm's `iss` (see [`crate::ion::realm::Realm::issuer`]) and a `jti`
//! (`<kid>.<issuer instance>.<sequence>`). ION's API checks a token as the double does: a
//! `kid` its JWKS lacks (a token of another environment) gets `Unable to find appropriate
//! RSA key`; a signature that does not verify with the public key, or another algorithm,
//! `Unable to parse authentication token`; then the expiry and the issuer. The 401 messages
//! are the ones ION documents.
//!
//! Expiry has two causes: the `exp` claim (the clock), and a cutoff moved by
//! [`Issuer::expire_all`] that makes every token this issuer issued so far expired at once,
//! so a client's refetch-on-expiry can be tested without waiting.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::api_keys::Role;
use super::mutex::lock;
use super::signing::{ALGORITHM, SigningKey};
use crate::text_cache::TextCache;

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
    /// The environment's name: which signing key it uses ([`SigningKey::of`]).
    name: String,
    issuer: String,
    /// The signing key, fetched (or generated) on first use.
    key: OnceLock<Arc<SigningKey>>,
    /// Tells this issuer's tokens from those of another environment of the same name.
    instance: u64,
    /// The sequence number in the `jti` of the next token issued.
    next_jti: AtomicU64,
    /// This issuer's tokens whose sequence number is below this are expired.
    cutoff: AtomicU64,
    /// Tokens whose signature, key and issuer checked out, by their text: a client sends one
    /// token many times, and an RSA verification costs more than the rest of a small query.
    /// Expiry and the cutoff are still checked on every request.
    signed: TextCache<Arc<Signed>>,
}

/// What a token that verified says, beside who it speaks for.
#[derive(Debug)]
struct Signed {
    verified: Verified,
    exp: Option<u64>,
    jti: Value,
}

impl Issuer {
    /// The issuer `issuer` (the `iss` claim) of environment `name`, signing with that
    /// name's key.
    pub(crate) fn new(name: &str, issuer: &str) -> Self {
        static INSTANCES: AtomicU64 = AtomicU64::new(0);
        Issuer {
            name: name.to_owned(),
            issuer: issuer.to_owned(),
            key: OnceLock::new(),
            instance: INSTANCES.fetch_add(1, Ordering::Relaxed),
            next_jti: AtomicU64::new(0),
            cutoff: AtomicU64::new(0),
            signed: TextCache::default(),
        }
    }

    /// The environment's signing key.
    pub(crate) fn key(&self) -> &SigningKey {
        self.key.get_or_init(|| SigningKey::of(&self.name))
    }

    /// The issuer (`iss`) its tokens carry.
    pub(crate) fn issuer(&self) -> &str {
        &self.issuer
    }

    /// A signed token for `client_id`, carrying `role` (see [`super::api_keys`]), valid for
    /// `lifetime_secs` from now.
    pub(crate) fn issue(&self, client_id: &str, role: Role, lifetime_secs: u64) -> String {
        let key = self.key();
        let now = unix_now();
        let sequence = self.next_jti.fetch_add(1, Ordering::Relaxed);
        let header = json!({"alg": ALGORITHM, "typ": "JWT", "kid": key.kid()});
        let claims = json!({
            "iss": self.issuer,
            "azp": client_id,
            "sub": format!("service-account-{client_id}"),
            "typ": "Bearer",
            "role": role.name(),
            "jti": format!("{}.{}.{sequence}", key.kid(), self.instance),
            "iat": now,
            "exp": now + lifetime_secs,
        });
        let signing_input = format!("{}.{}", encode(&header), encode(&claims));
        let signature = URL_SAFE_NO_PAD.encode(key.sign(signing_input.as_bytes()));
        format!("{signing_input}.{signature}")
    }

    /// A token for `client_id` with `role`, shared by every issuer of this environment name
    /// and issuer in the process while it has more than half its lifetime left: signing
    /// costs more than a small trial on the double, and the harness starts a double per
    /// trial. Every such issuer accepts it (same key, same `iss`; its `jti` names another
    /// instance, so it is judged by `exp` alone and [`Issuer::expire_all`] does not touch it).
    pub(crate) fn issue_shared(&self, client_id: &str, role: Role, lifetime_secs: u64) -> String {
        type Kept = BTreeMap<(String, String, String, Role, u64), (String, u64)>;
        static SHARED: Mutex<Kept> = Mutex::new(BTreeMap::new());
        let key = (
            self.name.clone(),
            self.issuer.clone(),
            client_id.to_owned(),
            role,
            lifetime_secs,
        );
        let now = unix_now();
        if let Some((token, exp)) = lock(&SHARED).get(&key)
            && *exp > now + lifetime_secs / 2
        {
            return token.clone();
        }
        let token = self.issue(client_id, role, lifetime_secs);
        lock(&SHARED).insert(key, (token.clone(), now + lifetime_secs));
        token
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
    ///
    /// In the order ION's API checks: the header's `kid` must name a key of the
    /// environment's JWKS (else `Unable to find appropriate RSA key`), the token must be
    /// RS256 and its signature verify with that public key (else `Unable to parse
    /// authentication token`), then it must not have expired, and its issuer must be the
    /// environment's.
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
        let signed = self
            .signed
            .get_or_try(token, || self.check_signature(token))?;
        if signed.exp.is_none_or(|exp| exp <= unix_now()) {
            return Err(Rejection::Expired);
        }
        if self.cut_off(&signed.jti) {
            return Err(Rejection::Expired);
        }
        Ok(signed.verified.clone())
    }

    /// A token's signature, key, issuer and claims, checked: what does not change with time.
    fn check_signature(&self, token: &str) -> Result<Arc<Signed>, Rejection> {
        let mut parts = token.split('.');
        let (Some(head), Some(body), Some(_), None) =
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
        let key = self.key();
        if header["kid"] != key.kid() {
            return Err(Rejection::WrongIssuer);
        }
        if header["alg"] != ALGORITHM || !key.signed(token) {
            return Err(Rejection::Malformed);
        }
        let exp = claims["exp"].as_u64();
        if exp.is_none_or(|exp| exp <= unix_now()) {
            return Err(Rejection::Expired);
        }
        if claims["iss"] != self.issuer.as_str() {
            return Err(Rejection::WrongIssuer);
        }
        // Every token this issuer signs names its client and role.
        let client_id = claims["azp"].as_str().ok_or(Rejection::Malformed)?;
        let role = claims["role"]
            .as_str()
            .and_then(|role| role.parse().ok())
            .ok_or(Rejection::Malformed)?;
        Ok(Arc::new(Signed {
            verified: Verified {
                client_id: client_id.to_owned(),
                role,
            },
            exp,
            jti: claims["jti"].clone(),
        }))
    }

    /// Whether a token with this `jti` was issued here before [`Issuer::expire_all`]. A
    /// token of another environment of the same name (same key) is judged by `exp` alone.
    fn cut_off(&self, jti: &Value) -> bool {
        let Some((instance, sequence)) = jti
            .as_str()
            .and_then(|jti| jti.strip_prefix(self.key().kid()))
            .and_then(|rest| rest.strip_prefix('.'))
            .and_then(|rest| rest.split_once('.'))
        else {
            return true;
        };
        match (instance.parse::<u64>(), sequence.parse::<u64>()) {
            (Ok(instance), Ok(sequence)) if instance == self.instance => {
                sequence < self.cutoff.load(Ordering::Relaxed)
            }
            (Ok(_), Ok(_)) => false,
            _ => true,
        }
    }
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
    use crate::double::DEMO_CLIENT_ID;

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
    fn tokens_are_rs256_and_name_their_key_issuer_and_sequence() {
        let issuer = Issuer::new("sandbox", "https://auth.example.test/realms/api-keys");
        let (claims, header) = claims_and_header(&issuer.issue(DEMO_CLIENT_ID, Role::Admin, 60));
        assert_eq!(header["alg"], "RS256");
        let kid = header["kid"].as_str().unwrap();
        assert_eq!(kid, issuer.key().kid());
        assert!(
            kid.starts_with("sandbox-") && kid.len() == "sandbox-".len() + 8,
            "{kid}"
        );
        assert_eq!(claims["iss"], "https://auth.example.test/realms/api-keys");
        assert_eq!(claims["jti"], format!("{kid}.{}.0", issuer.instance));
    }

    /// `token` with its header replaced by `header`, re-signed by `key`.
    fn resigned(token: &str, header: &Value, key: &SigningKey) -> String {
        let body = token.split('.').nth(1).unwrap();
        let input = format!("{}.{body}", encode(header));
        format!(
            "{input}.{}",
            URL_SAFE_NO_PAD.encode(key.sign(input.as_bytes()))
        )
    }

    #[test]
    fn rejections_say_why() {
        let issuer = Issuer::new("demo", "http://127.0.0.1:1");
        assert_eq!(issuer.verify(None), Err(Rejection::Missing));
        assert_eq!(issuer.verify(Some("  ")), Err(Rejection::Missing));
        assert_eq!(issuer.verify(Some("Bearer abc")), Err(Rejection::Malformed));
        assert_eq!(issuer.verify(Some("a.b.c.d")), Err(Rejection::Malformed));
        let other_environment = Issuer::new("token-test-other", "http://127.0.0.1:1");
        let other = other_environment.issue(DEMO_CLIENT_ID, Role::Admin, 60);
        assert_eq!(issuer.verify(Some(&other)), Err(Rejection::WrongIssuer));
        let expired = issuer.issue(DEMO_CLIENT_ID, Role::Admin, 0);
        assert_eq!(issuer.verify(Some(&expired)), Err(Rejection::Expired));
        let token = issuer.issue(DEMO_CLIENT_ID, Role::Admin, 60);
        let mut tampered = token.clone();
        tampered.push('A');
        assert_eq!(issuer.verify(Some(&tampered)), Err(Rejection::Malformed));
        // Our kid, but signed by another key: only the public key tells.
        let our_header = json!({"alg": "RS256", "typ": "JWT", "kid": issuer.key().kid()});
        let forged = resigned(&token, &our_header, other_environment.key());
        assert_eq!(issuer.verify(Some(&forged)), Err(Rejection::Malformed));
        // Our key, but another algorithm named.
        let hs256 = json!({"alg": "HS256", "typ": "JWT", "kid": issuer.key().kid()});
        let confused = resigned(&token, &hs256, issuer.key());
        assert_eq!(issuer.verify(Some(&confused)), Err(Rejection::Malformed));
        assert_eq!(
            issuer.verify(Some(&resigned(&token, &our_header, issuer.key()))),
            Ok(admin()),
            "the re-signing itself is sound"
        );
    }

    #[test]
    fn one_name_one_key_but_each_issuer_its_own_issuer_and_expiry() {
        let first = Issuer::new("demo", "http://127.0.0.1:1");
        let second = Issuer::new("demo", "http://127.0.0.1:1");
        assert_eq!(first.key().kid(), second.key().kid());
        let token = second.issue(DEMO_CLIENT_ID, Role::Admin, 60);
        assert_eq!(first.verify(Some(&token)), Ok(admin()));
        first.issue(DEMO_CLIENT_ID, Role::Admin, 60);
        first.expire_all();
        assert_eq!(
            first.verify(Some(&token)),
            Ok(admin()),
            "not first's to expire"
        );
        let elsewhere = Issuer::new("demo", "http://127.0.0.1:2");
        let token = elsewhere.issue(DEMO_CLIENT_ID, Role::Admin, 60);
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

    #[test]
    fn a_shared_token_is_signed_once_and_every_double_of_its_environment_takes_it() {
        let issuer = "http://127.0.0.1:2";
        let (first, second) = (
            Issuer::new("token-share", issuer),
            Issuer::new("token-share", issuer),
        );
        let token = first.issue_shared(DEMO_CLIENT_ID, Role::Admin, 300);
        assert_eq!(
            second.issue_shared(DEMO_CLIENT_ID, Role::Admin, 300),
            token,
            "signed once"
        );
        assert_ne!(
            second.issue_shared(DEMO_CLIENT_ID, Role::Reader, 300),
            token
        );
        assert_ne!(second.issue_shared(DEMO_CLIENT_ID, Role::Admin, 60), token);
        let bearer = format!("Bearer {token}");
        assert_eq!(second.verify(Some(&bearer)), Ok(admin()));
        second.expire_all();
        assert_eq!(
            second.verify(Some(&bearer)),
            Ok(admin()),
            "judged by exp alone"
        );
        first.expire_all();
        assert_eq!(
            first.verify(Some(&bearer)),
            Err(Rejection::Expired),
            "its own issuer's cutoff"
        );
        let elsewhere = Issuer::new("token-share", "http://127.0.0.1:3");
        assert_ne!(
            elsewhere.issue_shared(DEMO_CLIENT_ID, Role::Admin, 300),
            token
        );
    }
}
