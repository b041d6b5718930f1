//! The token's signing key against the keys the target's auth server publishes (its JWKS):
//! ION's API refuses a token whose `kid` its environment does not publish with `401 Unable
//! to find appropriate RSA key`, so a `kid` missing from the JWKS names that mismatch before
//! any GraphQL request, even when the token's issuer says nothing (a local or proxied auth
//! server) or agrees (another cluster of the same environment, a rotated key).
//!
//! When the JWKS cannot be fetched ([`crate::auth::jwks`]: ION's API hosts publish none),
//! or the token is not a JWT with a `kid`, nothing is checked and nothing is said.

use super::PreflightError;
use crate::auth::Claims;
use crate::auth::jwks::published_keys;
use crate::targets::{Credentials, Live, Target};

/// Checks that the JWKS at `live`'s auth server lists the `kid` of the token `claims` read.
pub(super) async fn check(
    target: &Target,
    live: &Live,
    http: &reqwest::Client,
    claims: Option<&Claims>,
) -> Result<(), PreflightError> {
    let Some(kid) = claims.and_then(|c| c.key_id.as_deref()) else {
        return Ok(());
    };
    let Some(keys) = published_keys(http, &live.auth_url).await else {
        return Ok(());
    };
    if keys.lists(kid) {
        return Ok(());
    }
    let realm = target.realm();
    let credentials = target.credential_variables();
    let help = match &live.credentials {
        Credentials::Token(_) => {
            let variable = target.variables.token.as_deref().unwrap_or("the token");
            format!(
                "set {variable} to a token the {realm} auth server {} issued, or unset it and \
                 set {credentials} to an API key of the {realm} tenant so the harness fetches \
                 one",
                live.auth_url
            )
        }
        Credentials::ClientCredentials(_) => {
            let setting = target
                .variables
                .auth_url
                .clone()
                .unwrap_or_else(|| "`auth_url` in suites/targets.yaml".to_owned());
            format!(
                "the token came from {} but is signed by a key that server does not publish: \
                 set {setting} to the {realm} auth server itself (not a proxy or another \
                 realm), and {credentials} to an API key registered there",
                live.auth_url
            )
        }
    };
    let mut published: Vec<String> = keys
        .key_ids
        .iter()
        .take(MAX_KIDS_SHOWN)
        .map(|k| shown(k))
        .collect();
    if keys.key_ids.len() > MAX_KIDS_SHOWN {
        published.push(format!("and {} more", keys.key_ids.len() - MAX_KIDS_SHOWN));
    }
    Err(PreflightError::UnknownSigningKey {
        target: target.name.clone(),
        kid: shown(kid),
        jwks_url: keys.url,
        published: published.join(", "),
        help,
    })
}

/// How many of the published key ids the diagnosis lists.
const MAX_KIDS_SHOWN: usize = 8;

/// A key id as the diagnosis shows it: at most 64 characters, control characters as `?`
/// (a token or a server may put anything there).
fn shown(kid: &str) -> String {
    const MAX_CHARS: usize = 64;
    let mut text: String = kid
        .chars()
        .take(MAX_CHARS)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if kid.chars().nth(MAX_CHARS).is_some() {
        text.push_str("...");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_are_shown_short_and_printable() {
        assert_eq!(shown("sandbox-1a2b3c4d"), "sandbox-1a2b3c4d");
        assert_eq!(shown("a\nb\u{1b}[31m"), "a?b?[31m");
        let long = "k".repeat(100);
        assert_eq!(shown(&long), format!("{}...", "k".repeat(64)));
    }
}
