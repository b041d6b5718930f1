//! The RSA keys the double's environments sign their tokens with, as ION's Keycloak realms
//! do: RS256 (RSASSA-PKCS1-v1_5 with SHA-256) under a 2048-bit key, named by a key id
//! (`kid`) and published in the environment's JWKS ([`SigningKey::jwk`]).
//!
//! Each environment name has one key per process ([`SigningKey::of`]): every double named
//! `demo` in one process signs with one key, while `sandbox`, `production` and `demo` each
//! have their own. The names the double itself uses (`demo`, `sandbox`, `production` and
//! the other realms' names) have fixed keys, built into the binary from
//! `src/double/signing_keys/` ([`BUILT_IN`]), so a run or a test process that starts doubles
//! does not first spend a tenth of a second or more making an RSA key (it did in every
//! test binary, and in every trial a test runner starts as a process of its own). Another
//! name gets a key generated on its first use in the process, and so does every name in a
//! process that called [`SigningKey::draw_new_keys`]: `serve` does, so each `serve` has
//! keys of its own (a token of another `serve` is another cluster's, as on ION).
//!
//! These keys guard nothing: the double hands a token to anyone who asks with its demo
//! key, whose secret is public too, and no server but the double trusts them. They are
//! not secrets, and a real ION environment publishes other keys (another `kid`), so a
//! token of the double is refused there as another environment's.
//!
//! Verification uses only the public half, rebuilt from the JWK's `n` and `e`, as a
//! client (or ION's API) that fetched the JWKS would.
//!
//! Implementation notes: aws-lc-rs (already the TLS stack's crypto provider) reads,
//! generates and signs; it hands out the public key as a DER `RSAPublicKey` (RFC 8017),
//! whose two integers yasna reads. The built-in keys are PKCS#8 DER, made with
//! `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048` and
//! `openssl pkcs8 -topk8 -nocrypt -outform DER`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    KeyPair as _, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair,
    RsaPublicKeyComponents,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::text_cache::TextCache;

/// The fixed keys of the environment names the double uses, PKCS#8 DER.
pub(crate) const BUILT_IN: [(&str, &[u8]); 8] = [
    ("demo", include_bytes!("signing_keys/demo.pk8")),
    ("sandbox", include_bytes!("signing_keys/sandbox.pk8")),
    ("production", include_bytes!("signing_keys/production.pk8")),
    (
        "gov-sandbox",
        include_bytes!("signing_keys/gov-sandbox.pk8"),
    ),
    (
        "gov-production",
        include_bytes!("signing_keys/gov-production.pk8"),
    ),
    (
        "aus-staging",
        include_bytes!("signing_keys/aus-staging.pk8"),
    ),
    (
        "aus-production",
        include_bytes!("signing_keys/aus-production.pk8"),
    ),
    ("dev", include_bytes!("signing_keys/dev.pk8")),
];

/// Set by [`SigningKey::draw_new_keys`]: no built-in keys in this process.
static NEW_KEYS: AtomicBool = AtomicBool::new(false);

/// One name's key, made by the first caller that needs it.
type Slot = Arc<OnceLock<Arc<SigningKey>>>;

/// The JWS algorithm of every token the double signs.
pub(crate) const ALGORITHM: &str = "RS256";

/// One environment's signing key: the key pair, its id and its public half.
pub(crate) struct SigningKey {
    kid: String,
    pair: RsaKeyPair,
    /// The modulus, big-endian, without leading zeros.
    n: Vec<u8>,
    /// The public exponent, big-endian, without leading zeros.
    e: Vec<u8>,
    /// The public key rebuilt from `n` and `e`, as a verifier holding the JWK has it.
    public: ParsedPublicKey,
    /// Tokens whose signature checked out, by their text: every double of this name in
    /// the process (one per case) shares them, so a token sent again costs no RSA work.
    verified: TextCache<()>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish()
    }
}

impl SigningKey {
    /// The key of the environment named `name`: its built-in key, or one generated on the
    /// first call for that name in this process; the same one afterwards.
    ///
    /// # Panics
    ///
    /// When the crypto library cannot read or generate an RSA key (no randomness, no
    /// memory): the
    /// request that needed it fails with a 500 naming the double ([`super::http`]).
    pub(crate) fn of(name: &str) -> Arc<SigningKey> {
        static KEYS: OnceLock<Mutex<HashMap<String, Slot>>> = OnceLock::new();
        // The map's lock is held only to find the slot; generation runs outside it, so two
        // names never wait for each other, and one name is generated once.
        let slot = {
            let mut keys = super::mutex::lock(KEYS.get_or_init(Mutex::default));
            Arc::clone(keys.entry(name.to_owned()).or_default())
        };
        Arc::clone(slot.get_or_init(|| {
            Arc::new(
                SigningKey::generate(name)
                    .unwrap_or_else(|e| panic!("the ION double cannot make an RSA key: {e}")),
            )
        }))
    }

    /// Gets ready, on a thread of its own, what the first token of a process waits for:
    /// `name`'s key, and the crypto library's random generator, which gathers its seed on
    /// first use (tens of milliseconds; signing draws from it). Returns at once.
    pub(crate) fn prepare(name: &str) {
        let name = name.to_owned();
        // A thread that cannot start only means the first token does this itself.
        let _ = std::thread::Builder::new()
            .name("ion-double-key".to_owned())
            .spawn(move || {
                SigningKey::of(&name);
                let _ = SystemRandom::new().fill(&mut [0; 1]);
            });
    }

    /// From now on, every name's key in this process is a new one, not its built-in key
    /// (keys already made stay).
    pub(crate) fn draw_new_keys() {
        NEW_KEYS.store(true, Ordering::Relaxed);
    }

    /// `name`'s built-in key, or a fresh 2048-bit one for a name without (or after
    /// [`SigningKey::draw_new_keys`]); its `kid` is `<name>-<8 hex of its public key's
    /// SHA-256>`.
    fn generate(name: &str) -> Result<SigningKey, String> {
        let built_in = BUILT_IN
            .iter()
            .find(|(known, _)| *known == name)
            .filter(|_| !NEW_KEYS.load(Ordering::Relaxed));
        let pair = match built_in {
            Some((_, pkcs8)) => RsaKeyPair::from_pkcs8(pkcs8).map_err(|e| e.to_string()),
            None => RsaKeyPair::generate(KeySize::Rsa2048).map_err(|e| e.to_string()),
        }?;
        SigningKey::named(name, pair)
    }

    /// `pair` as `name`'s key.
    fn named(name: &str, pair: RsaKeyPair) -> Result<SigningKey, String> {
        let der = pair.public_key().as_ref();
        let (n, e) = rsa_public_key_integers(der)?;
        let public = RsaPublicKeyComponents { n: &n, e: &e }
            .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
            .map_err(|e| e.to_string())?;
        let fingerprint = Sha256::digest(der);
        let kid = format!("{name}-{}", hex(&fingerprint[..4]));
        Ok(SigningKey {
            kid,
            pair,
            n,
            e,
            public,
            verified: TextCache::default(),
        })
    }

    /// The key id, as in the tokens' header and the JWKS.
    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// The RS256 signature of `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut signature = vec![0; self.pair.public_modulus_len()];
        // Signing with a valid key into a buffer of the modulus' length does not fail.
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .unwrap_or_else(|e| panic!("the ION double cannot sign a token: {e}"));
        signature
    }

    /// Whether `signature` is this key's RS256 signature of `message`, checked with the
    /// public key alone.
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        self.public.verify_sig(message, signature).is_ok()
    }

    /// Whether the compact JWS `token` (`head.body.signature`) carries this key's RS256
    /// signature of `head.body`. A token that verified is remembered by its text (bounded,
    /// [`TextCache`]), so the same token checked again, by any double of this name, costs
    /// no RSA work.
    pub(crate) fn signed(&self, token: &str) -> bool {
        let check = || {
            let (message, signature) = token.rsplit_once('.').ok_or(())?;
            let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| ())?;
            self.verifies(message.as_bytes(), &signature)
                .then_some(())
                .ok_or(())
        };
        self.verified.get_or_try(token, check).is_ok()
    }

    /// The public key as a JWK (RFC 7517), as Keycloak lists it under `keys` in its JWKS.
    pub(crate) fn jwk(&self) -> Value {
        json!({
            "kid": self.kid,
            "kty": "RSA",
            "alg": ALGORITHM,
            "use": "sig",
            "n": URL_SAFE_NO_PAD.encode(&self.n),
            "e": URL_SAFE_NO_PAD.encode(&self.e),
        })
    }
}

/// The modulus and exponent of a DER `RSAPublicKey` (`SEQUENCE { n INTEGER, e INTEGER }`),
/// big-endian without leading zeros, as JWKs and [`RsaPublicKeyComponents`] want them.
fn rsa_public_key_integers(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    let (n, e) = yasna::parse_der(der, |reader| {
        reader.read_sequence(|seq| {
            let (n, _) = seq.next().read_bigint_bytes()?;
            let (e, _) = seq.next().read_bigint_bytes()?;
            Ok((n, e))
        })
    })
    .map_err(|e| format!("unreadable RSA public key: {e}"))?;
    let strip = |bytes: Vec<u8>| {
        let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        bytes[start..].to_vec()
    };
    Ok((strip(n), strip(e)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_key_per_name_per_process_and_another_for_another_name() {
        let first = SigningKey::of("signing-test-a");
        let again = SigningKey::of("signing-test-a");
        let other = SigningKey::of("signing-test-b");
        assert!(Arc::ptr_eq(&first, &again));
        assert!(
            first.kid().starts_with("signing-test-a-"),
            "{}",
            first.kid()
        );
        assert_eq!(first.kid().len(), "signing-test-a-".len() + 8);
        assert_ne!(first.jwk()["n"], other.jwk()["n"]);
        let signature = other.sign(b"message");
        assert!(other.verifies(b"message", &signature));
        assert!(!first.verifies(b"message", &signature));
        assert!(!other.verifies(b"massage", &signature));
    }

    #[test]
    fn every_built_in_key_reads_as_its_own_2048_bit_key() {
        let mut moduli = Vec::new();
        for (name, pkcs8) in BUILT_IN {
            let key = RsaKeyPair::from_pkcs8(pkcs8)
                .map_err(|e| e.to_string())
                .and_then(|pair| SigningKey::named(name, pair))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(key.kid().starts_with(&format!("{name}-")), "{}", key.kid());
            assert_eq!(key.n.len(), 256, "{name}: 2048 bits");
            let signature = key.sign(b"message");
            assert!(key.verifies(b"message", &signature), "{name}");
            moduli.push(key.n);
        }
        moduli.sort();
        moduli.dedup();
        assert_eq!(
            moduli.len(),
            BUILT_IN.len(),
            "each name has a key of its own"
        );
    }

    #[test]
    fn a_token_that_verified_once_is_known_and_a_forged_one_is_not() {
        let key = SigningKey::of("signing-test-a");
        let message = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0";
        let token = format!(
            "{message}.{}",
            URL_SAFE_NO_PAD.encode(key.sign(message.as_bytes()))
        );
        assert!(key.signed(&token));
        assert_eq!(key.verified.len(), 1);
        assert!(key.signed(&token), "again, from what it remembers");
        let other = SigningKey::of("signing-test-b");
        assert!(!other.signed(&token), "another name's key does not know it");
        let forged = format!("{message}x{}", &token[message.len()..]);
        assert!(!key.signed(&forged));
        assert!(!key.signed("no-dots"));
        assert!(!key.signed(&format!("{message}.not base64")));
        assert_eq!(key.verified.len(), 1, "failures are not kept");
    }

    #[test]
    fn the_jwk_is_a_2048_bit_rs256_signing_key() {
        let jwk = SigningKey::of("signing-test-a").jwk();
        let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
        assert_eq!(n.len(), 256, "2048 bits, no leading zero");
        assert_eq!(jwk["e"], "AQAB");
        assert_eq!(
            (&jwk["kty"], &jwk["alg"], &jwk["use"]),
            (&json!("RSA"), &json!("RS256"), &json!("sig"))
        );
    }
}
