//! ION's webhook signature: `x-ion-signature` holds the HMAC-SHA256 of the exact body bytes
//! under the receiver's shared secret (its UTF-8 bytes), as 64 lowercase hex digits with no
//! prefix. ION documents the header and the HMAC but not the encoding; this is the common
//! one, and the double signs this way.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::secret::Secret;

/// The header that carries the signature (HTTP header names are case-insensitive).
pub const SIGNATURE_HEADER: &str = "x-ion-signature";

/// The signature of `body` under `secret`.
pub fn sign(secret: &Secret, body: &[u8]) -> String {
    mac(secret, body)
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `header` is the signature of `body` under `secret` (compared in constant time;
/// upper-case hex and surrounding spaces are accepted).
pub fn verify(secret: &Secret, body: &[u8], header: &str) -> bool {
    let Some(bytes) = hex(header.trim()) else {
        return false;
    };
    mac(secret, body).verify_slice(&bytes).is_ok()
}

fn mac(secret: &Secret, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length, so `new_from_slice` cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
    mac.update(body);
    mac
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_rfc_4231_test_case_2() {
        let secret = Secret::new("Jefe");
        let body = b"what do ya want for nothing?";
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(sign(&secret, body), expected);
        assert!(verify(&secret, body, expected));
        assert!(verify(&secret, body, &expected.to_ascii_uppercase()));
    }

    #[test]
    fn refuses_another_body_secret_or_a_malformed_header() {
        let secret = Secret::new("Jefe");
        let good = sign(&secret, b"body");
        assert!(!verify(&secret, b"body ", &good));
        assert!(!verify(&Secret::new("jefe"), b"body", &good));
        assert!(!verify(&secret, b"body", &good[..62]));
        assert!(!verify(&secret, b"body", "zz"));
        assert!(!verify(&secret, b"body", ""));
        assert!(!verify(&secret, b"body", "é5"));
    }
}
