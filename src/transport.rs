//! Transport failures: the request got no HTTP answer, or an answer broken part-way. Each is
//! one of three kinds, which reports name: a **timeout** (no answer in time), a **connect**
//! failure (refused, unreachable, a certificate not trusted) or a **reset** (the connection
//! closed or broke before the answer was whole).
//!
//! It sits below both the token request ([`crate::auth`]) and the GraphQL client
//! ([`crate::client`]), which describe their transport failures alike.

/// The variable naming a PEM file of extra trusted certificates (as OpenSSL, Python and
/// curl read it): how `ion-contract serve --tls`'s self-signed certificate is trusted.
pub const EXTRA_ROOTS_ENV: &str = "SSL_CERT_FILE";

/// Connecting, sending or reading failed; the message names the URL (never a credential or
/// the URL's query).
#[derive(Debug, Clone, thiserror::Error)]
#[error("request to {url} failed: {reason}")]
pub struct TransportError {
    /// The endpoint, without its query.
    pub url: String,
    /// What went wrong (timeout, connection refused, ...).
    pub reason: String,
    /// Which of the transport failures it was.
    pub kind: TransportKind,
}

/// The kinds of transport failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// No answer within the request's or the step's time.
    Timeout,
    /// No connection: refused, unreachable, DNS, TLS.
    Connect,
    /// The connection closed or broke before the answer was complete.
    Reset,
}

impl TransportKind {
    /// Its name in reports: `timeout`, `connect` or `reset`.
    pub fn name(self) -> &'static str {
        match self {
            TransportKind::Timeout => "timeout",
            TransportKind::Connect => "connect",
            TransportKind::Reset => "reset",
        }
    }
}

/// A transport error for `url`, described without the URL's query (which may hold secrets).
pub(crate) fn transport_error(url: &str, error: reqwest::Error) -> TransportError {
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    let (kind, reason) = if error.is_timeout() {
        (TransportKind::Timeout, "timed out".to_string())
    } else if error.is_connect() {
        // The innermost cause says why: refused, unreachable, or a certificate not trusted.
        let why = causes.last().map_or(String::new(), |c| format!(" ({c})"));
        let hint = if why.to_ascii_lowercase().contains("certificate") {
            format!(
                "; if it is a local `ion-contract serve --tls`, trust its certificate with {}=<the PEM file it printed>",
                EXTRA_ROOTS_ENV
            )
        } else {
            String::new()
        };
        (
            TransportKind::Connect,
            format!("could not connect{why}{hint}"),
        )
    } else {
        let causes: String = causes.iter().map(|c| format!(": {c}")).collect();
        (
            TransportKind::Reset,
            format!("{}{causes}", error.without_url()),
        )
    };
    TransportError {
        url: url.split('?').next().unwrap_or(url).to_string(),
        reason,
        kind,
    }
}
