//! The one scrubbing path: every text that leaves the process goes through [`text`] (or
//! [`value`] for JSON), which replaces every secret of the run with `[redacted]`.
//!
//! The secrets of a run are kept in a process-wide registry, filled where they come in:
//!
//! - the values of every credential variable of every target (client secrets, tokens,
//!   expired tokens, profiles' secrets), when `targets.yaml` is loaded
//!   ([`crate::targets::Targets::load`]);
//! - every access token a target's token source gets, fetched (JWT or opaque) or static,
//!   before it is used ([`crate::auth::TokenSource`]; the embedded double's own tokens are
//!   left to the JWT shape);
//! - the shared secret of every webhook receiver the harness registers ([`crate::webhook`]).
//!
//! Each registered value is scrubbed in every form a server, an encoder or a report may give
//! it: as it is; percent-encoded (whichever characters the encoder chose, upper- or
//! lowercase hex, `+` or `%20` for a space, encoded twice); JSON-escaped (`\"`, `\\`, `\/`, `\u00XX`, escaped again inside
//! another JSON string); XML/HTML-escaped (`&quot;`, `&#34;`); and base64 (standard and
//! url-safe, with or without padding, at any offset in a longer base64 text, so a `Basic`
//! header holding `id:secret` is caught too). Beside the registered values, anything shaped
//! like a JWT (or its base64) and the token after `Bearer ` (16 characters or more) are
//! scrubbed whoever sent them.
//!
//! **Limitation**: values shorter than 4 characters are not registered (scrubbing them would
//! blank out ordinary words and numbers everywhere); ION's client secrets and tokens are far
//! longer.
//!
//! Text that is cut for a message (a response body, a value) is scrubbed *before* the cut:
//! a secret cut in half no longer matches any of its forms.
//!
//! Sinks: the binary's and the library's terminal lines use
//! [`scrubbed_println!`](crate::scrubbed_println),
//! [`scrubbed_eprintln!`](crate::scrubbed_eprintln) and
//! [`scrubbed_print!`](crate::scrubbed_print) (or [`write_stdout`]/[`write_stderr`]); report
//! files, snapshots (before insta sees them), `.snap.new` files, baselines, seed manifests,
//! pulled SDL, the progress line and every trial's failure message call [`text`] or
//! [`value`] themselves. A unit test of this module fails when a print or file write in
//! `src/` bypasses the path; `tests/it/leak.rs` and `tests/it/hostile.rs` check that no secret
//! gets past.

use std::io::Write as _;
use std::sync::{Arc, LazyLock, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use regex::{Captures, Regex};
use serde_json::Value;

use crate::redact::SECRET;
use crate::secret::Secret;

/// Values shorter than this (in characters) are not scrubbed.
pub const MIN_SECRET_CHARS: usize = 4;

/// Registers `value` (trimmed) as a secret of this process: from now on [`text`] scrubs it
/// in every form. Values shorter than [`MIN_SECRET_CHARS`] are ignored.
pub fn register(value: &str) {
    let mut registry = REGISTRY
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    registry.register(value);
}

/// [`register`] for a [`Secret`].
pub fn register_secret(secret: &Secret) {
    register(secret.expose());
}

/// `text` with every registered secret (in every form), every JWT and every bearer token
/// replaced by `[redacted]`.
pub fn text(text: &str) -> String {
    current().scrub(text)
}

/// `value` with [`text`] applied to every string and object key in it.
pub fn value(value: &Value) -> Value {
    current().scrub_value(value)
}

/// Writes `text`, scrubbed, to stdout. A closed stdout (`| head`) is no reason to stop.
pub fn write_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out
        .write_all(self::text(text).as_bytes())
        .and_then(|()| out.flush());
}

/// Writes `text`, scrubbed, to stderr.
pub fn write_stderr(text: &str) {
    let _ = std::io::stderr()
        .lock()
        .write_all(self::text(text).as_bytes());
}

/// `println!` through [`text`]: the way every command prints a line to stdout.
#[macro_export]
macro_rules! scrubbed_println {
    ($($arg:tt)*) => {
        $crate::scrub::write_stdout(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` through [`text`].
#[macro_export]
macro_rules! scrubbed_print {
    ($($arg:tt)*) => {
        $crate::scrub::write_stdout(&format!($($arg)*))
    };
}

/// `eprintln!` through [`text`]: the way every command prints a line to stderr.
#[macro_export]
macro_rules! scrubbed_eprintln {
    ($($arg:tt)*) => {
        $crate::scrub::write_stderr(&format!("{}\n", format_args!($($arg)*)))
    };
}

static REGISTRY: LazyLock<RwLock<Scrubber>> = LazyLock::new(|| RwLock::new(Scrubber::default()));

/// The registry's patterns as they are now.
fn current() -> Arc<Compiled> {
    REGISTRY
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .compiled()
}

/// A set of secret values and the patterns that find them. Each value's pattern is compiled
/// once, when it is registered (a run may register a token per trial).
#[derive(Default)]
pub struct Scrubber {
    /// Each value and its pattern, longest value first: a secret that contains another is
    /// replaced whole.
    values: Vec<(String, Arc<Regex>)>,
    compiled: Arc<Compiled>,
}

impl Scrubber {
    /// Adds `value` (trimmed), unless it is shorter than [`MIN_SECRET_CHARS`] or known.
    pub fn register(&mut self, value: &str) {
        let value = value.trim();
        if value.chars().count() < MIN_SECRET_CHARS || self.values.iter().any(|(v, _)| v == value) {
            return;
        }
        let at = self.values.partition_point(|(v, _)| v.len() >= value.len());
        let pattern = Arc::new(secret_pattern(value));
        self.values.insert(at, (value.to_owned(), pattern));
        self.compiled = Arc::new(Compiled {
            secrets: self.values.iter().map(|(_, p)| Arc::clone(p)).collect(),
        });
    }

    /// `text` scrubbed of these secrets (see [`text`]).
    pub fn scrub(&self, text: &str) -> String {
        self.compiled.scrub(text)
    }

    fn compiled(&self) -> Arc<Compiled> {
        Arc::clone(&self.compiled)
    }
}

/// The compiled patterns of one set of secrets.
#[derive(Default)]
struct Compiled {
    secrets: Vec<Arc<Regex>>,
}

impl Compiled {
    fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for pattern in &self.secrets {
            if let std::borrow::Cow::Owned(replaced) = pattern.replace_all(&out, SECRET) {
                out = replaced;
            }
        }
        SHAPES
            .replace_all(&out, |captures: &Captures| match captures.name("bearer") {
                Some(bearer) => format!("{}{SECRET}", bearer.as_str()),
                None => SECRET.to_owned(),
            })
            .into_owned()
    }

    fn scrub_value(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.scrub(s)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.scrub_value(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.scrub(k), self.scrub_value(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// Secrets by their shape: JWTs (signed, or unsigned with an empty signature), a JWT in
/// base64 (`ZXlK` encodes `eyJ`) and the token after `Bearer ` (RFC 6750's token
/// characters, 16 or more).
static SHAPES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*",
        r"|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+",
        r"|ZXlK[A-Za-z0-9+/_-]{16,}=*",
        r"|(?P<bearer>(?i:bearer)\s+)[A-Za-z0-9._~+/-]{16,}=*",
    ))
    .expect("the shape pattern is valid")
});

/// One pattern for every form of `secret`: each character as it is or encoded (see the
/// module docs), plus its base64 at each offset.
fn secret_pattern(secret: &str) -> Regex {
    let encoded: String = secret.chars().map(char_forms).collect();
    let mut alternatives = vec![encoded];
    let form_encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    for bytes in [secret.as_bytes(), form_encoded.as_bytes()] {
        for core in base64_cores(bytes) {
            let core = regex::escape(&core);
            if !alternatives.contains(&core) {
                alternatives.push(core);
            }
        }
    }
    Regex::new(&alternatives.join("|"))
        .or_else(|_| Regex::new(&regex::escape(secret)))
        .expect("an escaped literal is a valid pattern")
}

/// A pattern for one character in any of the encodings a secret may come back in. Letters,
/// digits, `-`, `_` and `.` are left alone by every one of them (URL, JSON, XML): they
/// stay literal, which keeps a long token's pattern a fast literal search.
fn char_forms(c: char) -> String {
    if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
        return regex::escape(&c.to_string());
    }
    let mut forms = Vec::new();
    // As it is; inside (possibly nested) JSON strings `"`, `\` and `/` gain backslashes.
    forms.push(match c {
        '"' | '/' => format!(r"\\*{}", regex::escape(&c.to_string())),
        '\\' => r"\\+".to_owned(),
        _ => regex::escape(&c.to_string()),
    });
    // Percent-encoded (each UTF-8 byte), possibly twice (`%2522`); `+` for a space.
    let mut utf8 = [0; 4];
    let percent: String = c
        .encode_utf8(&mut utf8)
        .bytes()
        .map(|b| format!("%(?:25)?{}", any_case(&format!("{b:02x}"))))
        .collect();
    forms.push(percent);
    if c == ' ' {
        forms.push(r"\+".to_owned());
    }
    // JSON `\uXXXX` (UTF-16 units, as Python's ensure_ascii writes them), and short escapes.
    let mut utf16 = [0; 2];
    let unicode: String = c
        .encode_utf16(&mut utf16)
        .iter()
        .map(|unit| {
            let [high, low] = unit.to_be_bytes();
            format!(r"\\+[uU]{}", any_case(&format!("{high:02x}{low:02x}")))
        })
        .collect();
    forms.push(unicode);
    if let Some(short) = match c {
        '\n' => Some('n'),
        '\t' => Some('t'),
        '\r' => Some('r'),
        '\u{8}' => Some('b'),
        '\u{c}' => Some('f'),
        _ => None,
    } {
        forms.push(format!(r"\\+{short}"));
    }
    // XML/HTML character references, numeric and named.
    forms.push(format!("&#0*{};", u32::from(c)));
    forms.push(format!(
        "&#[xX]0*{};",
        any_case(&format!("{:x}", u32::from(c)))
    ));
    if let Some(named) = match c {
        '"' => Some("quot"),
        '&' => Some("amp"),
        '<' => Some("lt"),
        '>' => Some("gt"),
        '\'' => Some("apos"),
        _ => None,
    } {
        forms.push(format!("&{named};"));
    }
    format!("(?:{})", forms.join("|"))
}

/// Hex digits as a pattern matching either case, e.g. `2f` as `2[fF]`.
fn any_case(hex: &str) -> String {
    hex.chars()
        .map(|d| {
            if d.is_ascii_alphabetic() {
                format!("[{d}{}]", d.to_ascii_uppercase())
            } else {
                d.to_string()
            }
        })
        .collect()
}

/// The base64 characters that `bytes` alone decide, in the standard and url-safe alphabets,
/// at each of the three offsets it can start at inside a longer encoded text: whatever comes
/// before or after, an encoding of it contains one of these.
fn base64_cores(bytes: &[u8]) -> Vec<String> {
    let mut cores = Vec::new();
    for offset in 0..3 {
        let mut shifted = vec![0; offset];
        shifted.extend_from_slice(bytes);
        let first = (8 * offset).div_ceil(6);
        let last = 8 * (offset + bytes.len()) / 6;
        for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
            let encoded = engine.encode(&shifted);
            if let Some(core) = encoded.get(first..last)
                && core.len() >= MIN_SECRET_CHARS
                && !cores.iter().any(|c| c == core)
            {
                cores.push(core.to_owned());
            }
        }
    }
    cores
}

#[cfg(test)]
mod tests;
