//! An answer of the double, independent of the transport that sends it: status, body,
//! headers, and what the wire does besides (a delay, a connection broken on purpose). The
//! request handling builds one; hyper (`http.rs`) and the wiremock responder send it.

use std::time::Duration;

use serde_json::Value;

/// An answer: a status, a body (JSON unless a fault says otherwise), any extra headers
/// (lower-case names), and what the transport does on the wire ([`Wire`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    pub(crate) content_type: &'static str,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) wire: Wire,
}

/// What the transport does besides sending the reply: wait first, or break the connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Wire {
    pub(crate) delay: Duration,
    pub(crate) cut: Option<Cut>,
}

/// Where a connection is broken on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cut {
    /// Closed before any byte of the answer.
    BeforeHeaders,
    /// The headers and half the body, then broken.
    AfterHeaders,
}

/// The content type of every reply but a fault's HTML page.
pub(crate) const CONTENT_TYPE: &str = "application/json";

impl Reply {
    pub(crate) fn json(status: u16, body: &Value) -> Self {
        Reply {
            status,
            body: body.to_string().into_bytes(),
            content_type: CONTENT_TYPE,
            headers: Vec::new(),
            wire: Wire::default(),
        }
    }

    /// The answer of a server no double holds now (a pooled server between trials): 503.
    pub(crate) fn vacant() -> Self {
        Reply::json(
            503,
            &serde_json::json!({ "errors": [{ "message":
                "No ION double is serving this port now: the trial that started it has ended."
            }] }),
        )
    }

    pub(crate) fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}
