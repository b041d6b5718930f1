//! What a recording keeps of one exchange: the request as a client sent it and the answer it
//! got. Sessions collect them ([`super::session`]); cases are built from them
//! ([`super::case`]).

use serde_json::{Map, Value};

/// One GraphQL request of a session and the answer it got.
#[derive(Debug, Clone)]
pub(crate) struct Sent {
    /// The document, as sent.
    pub(crate) document: String,
    /// `operationName`, when the client sent one.
    pub(crate) operation: Option<String>,
    /// The variables, as sent.
    pub(crate) variables: Map<String, Value>,
    /// The HTTP status.
    pub(crate) status: u16,
    /// The response: `data` and `errors`.
    pub(crate) response: Value,
}
