//! Which redirects the shared HTTP client follows.
//!
//! - **A token request** (a `POST` to `…/protocol/openid-connect/token`, the one request
//!   that carries a client secret) follows a redirect only when it stays in the origin the
//!   request was sent to (same scheme, host and port) and is a 307 or 308, which re-send the
//!   form unchanged. Any other redirect is not followed: to another origin (another host or
//!   port), from `https` to plain `http` (another origin too, and a downgrade), or a 301, 302
//!   or 303 (which would turn the `POST` into a `GET` without the form). The 3xx comes back
//!   as the answer, and the token request fails naming the endpoint that redirected and the
//!   `Location` ([`crate::auth::AuthError::Redirected`]): the secret reaches no server but the
//!   configured origin.
//! - **Every other request** (GraphQL) follows up to [`MAX_REDIRECTS`] redirects. Across
//!   origins the HTTP client drops `Authorization` (and cookies) before following, so the
//!   token does not leave the configured origin either.

use reqwest::Url;
use reqwest::redirect::{Attempt, Policy};

use crate::ion::paths::TOKEN_PATH;

/// The most redirects one request follows (reqwest's default).
pub const MAX_REDIRECTS: usize = 10;

/// The shared client's redirect policy (see the module docs).
pub(super) fn policy() -> Policy {
    Policy::custom(|attempt| {
        let first = attempt.previous().first();
        match first {
            Some(first) if is_token_request(first) && !may_follow(first, &attempt) => {
                attempt.stop()
            }
            _ => Policy::limited(MAX_REDIRECTS).redirect(attempt),
        }
    })
}

/// Whether `url` is a token endpoint (the current or the legacy path).
fn is_token_request(url: &Url) -> bool {
    url.path().ends_with(TOKEN_PATH)
}

/// A token request's redirect is followed only within its first origin, and only when it
/// keeps the method and the form.
fn may_follow(first: &Url, attempt: &Attempt<'_>) -> bool {
    let keeps_the_form = matches!(attempt.status().as_u16(), 307 | 308);
    keeps_the_form && first.origin() == attempt.url().origin()
}
