use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::json;

use super::*;

/// A secret with every character an encoder treats specially, a space and a non-ASCII one.
const AWKWARD: &str = "s3/cr+t=%\"\\ k\u{20ac}y&<x>'";

/// Percent-encodes every byte but ASCII letters, digits and `-_.` (which no encoder
/// changes), with `%20` for a space.
fn percent(s: &str, lower: bool) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(b).to_string()
            }
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
    let scrubber = Scrubber::default();
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
    let compiled = scrubber.compiled();
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

/// Writes that need no scrubbing, with why: (file, what the line writes).
const UNSCRUBBED_WRITES: &[(&str, &str)] = &[
    ("src/main.rs", "server.banner()"), // serve: the double's public demo credentials
    ("src/main.rs", "suite::json_schema()"), // the suite format, no server text
    ("src/double/tls.rs", "cert.pem()"), // a certificate
    ("src/scrub.rs", "self::text(text)"), // the path itself
];

/// Every `.rs` file under `dir`, except unit-test files (and a file's own `#[cfg(test)]`
/// module, which the scan stops at).
fn sources(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            found.push(path);
        }
    }
}

#[test]
fn every_print_and_file_write_in_the_crate_goes_through_the_scrubbing_path() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    let print = regex::Regex::new(r"(^|[^_\w])e?print(ln)?!\(").unwrap();
    let mut raw = Vec::new();
    for file in &files {
        let name = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("#[cfg(test)]") {
                break; // a file's own unit tests, at its end
            }
            if code.starts_with("//") {
                continue;
            }
            let writes = code.contains("write_all(") || code.contains("fs::write(");
            let allowed = UNSCRUBBED_WRITES
                .iter()
                .any(|(f, what)| *f == name && code.contains(what));
            if print.is_match(code) || (writes && !code.contains("scrub::") && !allowed) {
                raw.push(format!("{name}:{}: {code}", n + 1));
            }
        }
    }
    assert!(
        raw.is_empty(),
        "outputs that bypass crate::scrub (use scrubbed_println!/scrubbed_eprintln!, or \
         scrub::text before writing):\n{}",
        raw.join("\n")
    );
}

#[test]
fn a_long_token_is_one_literal_search() {
    // A JWT-sized token: letters, digits, `-_.` stay literal in its pattern (no encoder
    // changes them), so the pattern is a literal search, not 1,500 alternations.
    let long: String = (0..1500)
        .map(|i| ["a", "B", "7", "-", "_", "."][i % 6])
        .collect();
    let pattern = secret_pattern(&long);
    assert!(
        pattern.as_str().starts_with(&regex::escape(&long)),
        "{}",
        pattern.as_str()
    );
    let mut scrubber = Scrubber::default();
    scrubber.register(&long);
    let text = format!("x {long} {} y", STANDARD.encode(&long));
    let scrubbed = scrubber.scrub(&text);
    assert!(
        scrubbed.starts_with("x [redacted] [redacted]"),
        "{scrubbed}"
    );
    assert!(!scrubbed.contains(&STANDARD_NO_PAD.encode(&long)));
}
