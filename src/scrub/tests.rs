use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::json;

use super::*;

/// A secret with every character an encoder treats specially, a space and a non-ASCII one.
const AWKWARD: &str = "s3/cr+t=%\"\\ k\u{20ac}y&<x>'";

/// Percent-encodes every byte but ASCII letters and digits, with `%20` for a space.
fn percent(s: &str, lower: bool) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => char::from(b).to_string(),
            _ if lower => format!("%{b:02x}"),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn json_escaped(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap();
    quoted[1..quoted.len() - 1].to_owned()
}

/// Every form of `secret` a server or a report could give back.
fn forms(secret: &str) -> Vec<(&'static str, String)> {
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let ascii_json: String = json_escaped(secret)
        .chars()
        .map(|c| match c {
            c if c.is_ascii() => c.to_string(),
            c => format!("\\u{:04x}", u32::from(c)),
        })
        .collect();
    let xml = secret
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&#39;");
    let basic = |s: &str| format!("ion-contract-client:{s}");
    vec![
        ("raw", secret.to_owned()),
        ("form-encoded", form.clone()),
        ("percent-encoded", percent(secret, false)),
        ("percent-encoded lowercase", percent(secret, true)),
        (
            "percent-encoded twice",
            percent(&percent(secret, false), false),
        ),
        ("JSON", json_escaped(secret)),
        ("JSON in JSON", json_escaped(&json_escaped(secret))),
        ("JSON, ASCII only", ascii_json),
        ("JSON with \\/", json_escaped(secret).replace('/', "\\/")),
        ("XML", xml),
        ("base64", STANDARD.encode(secret)),
        ("base64 unpadded", STANDARD_NO_PAD.encode(secret)),
        ("base64 url-safe", URL_SAFE.encode(secret)),
        ("base64 url-safe unpadded", URL_SAFE_NO_PAD.encode(secret)),
        ("Basic header", STANDARD.encode(basic(secret))),
        ("Basic header, form-encoded", STANDARD.encode(basic(&form))),
        ("base64, offset 1", STANDARD.encode(format!("x{secret}"))),
        ("base64, offset 2", URL_SAFE.encode(format!("xy{secret}!"))),
    ]
}

#[test]
fn every_form_of_a_registered_secret_is_scrubbed() {
    for secret in [
        AWKWARD,
        "plain-client-secret-0123456789",
        "opaque.token_~42",
    ] {
        let mut scrubber = Scrubber::default();
        scrubber.register(secret);
        for (what, form) in forms(secret) {
            let text = format!("sent {form} back");
            let scrubbed = scrubber.scrub(&text);
            assert!(
                !scrubbed.contains(&form),
                "{what} of {secret:?} survived: {scrubbed}"
            );
            assert!(scrubbed.contains(SECRET), "{what}: {scrubbed}");
            assert!(
                scrubbed.starts_with("sent ") && scrubbed.ends_with(" back"),
                "{what}: only the secret goes: {scrubbed}"
            );
        }
    }
}

#[test]
fn values_shorter_than_four_characters_are_not_scrubbed() {
    let mut scrubber = Scrubber::default();
    scrubber.register("abc");
    scrubber.register("  ");
    assert_eq!(scrubber.scrub("abc and abcd"), "abc and abcd");
    scrubber.register("abcd");
    assert_eq!(scrubber.scrub("abc and abcd"), "abc and [redacted]");
}

#[test]
fn a_secret_containing_another_is_replaced_whole() {
    let mut scrubber = Scrubber::default();
    scrubber.register("abcd");
    scrubber.register("abcd-1234");
    assert_eq!(scrubber.scrub("x abcd-1234 y"), "x [redacted] y");
}

#[test]
fn jwts_and_bearer_tokens_are_scrubbed_by_their_shape() {
    let mut scrubber = Scrubber::default();
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl";
    let unsigned = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.";
    assert_eq!(
        scrubber.scrub(&format!("sent Bearer {jwt}, then {unsigned}")),
        "sent Bearer [redacted], then [redacted]"
    );
    assert_eq!(
        scrubber.scrub(&format!("echo {}.", STANDARD.encode(jwt))),
        "echo [redacted]."
    );
    assert_eq!(
        scrubber.scrub("Authorization: bearer 0paque-t0ken-of-any-shape~+/="),
        "Authorization: bearer [redacted]"
    );
    let prose = "ION wants a Bearer token; v1.2.3 and ICT-100.A.rev stay";
    assert_eq!(scrubber.scrub(prose), prose);
}

#[test]
fn json_values_are_scrubbed_in_strings_and_keys() {
    let mut scrubber = Scrubber::default();
    scrubber.register("k3y-value");
    let compiled = scrubber.compile();
    assert_eq!(
        compiled.scrub_value(&json!({"k3y-value": ["x k3y-value", 3, null]})),
        json!({"[redacted]": ["x [redacted]", 3, null]})
    );
}

#[test]
fn the_process_registry_scrubs_what_was_registered() {
    let secret = "registry-test-secret-9f8e7d";
    assert_eq!(text(secret), secret);
    register(secret);
    assert_eq!(text(&format!("a {secret} b")), "a [redacted] b");
    assert_eq!(value(&json!([secret])), json!([SECRET]));
}
