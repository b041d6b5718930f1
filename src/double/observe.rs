//! Watching the `/graphql` traffic of an environment: the hook `serve --record` uses
//! ([`crate::record`]).
//!
//! An [`Observer`] is called once per `/graphql` request, after the environment answered it,
//! with the request's `Authorization` header, its body and the reply. It runs on the request's
//! blocking thread, before the reply is sent; it must not keep the header (a token) anywhere
//! that is written or printed.

use std::fmt::Debug;

/// One `/graphql` request and the double's answer to it.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    /// The request's `Authorization` header, if it had a readable one.
    pub authorization: Option<&'a str>,
    /// The request's body (a GraphQL request as JSON, or a batch of them).
    pub request: &'a [u8],
    /// The reply's HTTP status.
    pub status: u16,
    /// The reply's body.
    pub response: &'a [u8],
    /// Whether an injected fault ([`super::fault`]) shaped the reply: not ION's own answer.
    pub faulted: bool,
}

/// Something told of every `/graphql` exchange of an environment.
pub trait Observer: Send + Sync + Debug {
    /// Called after the environment answered `exchange`.
    fn graphql(&self, exchange: &Exchange<'_>);
}
